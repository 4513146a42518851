// Pre-enrollment from what Entra already knows about a user (mail, mobilePhone, otherMails), when
// entra.preEnrollment is on. Addresses are de-duplicated case-insensitively and sanity-checked;
// the recovery engine decides how much weight they carry and masks them on screen.
import type { EntraUser } from './entra-user.js';

export interface PreEnrollment {
  emails: string[];
  phones: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** E.164-ish: keep a leading +, drop spaces, dashes, dots and brackets; 7–15 digits. */
export function normalisePhone(raw: string): string | undefined {
  const trimmed = raw.trim();
  const plus = trimmed.startsWith('+');
  const digits = trimmed.replace(/[\s\-.()/]/g, '').replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(digits)) return undefined;
  return `${plus ? '+' : ''}${digits}`;
}

export function preEnrollmentFrom(user: Pick<EntraUser, 'mail' | 'mobile' | 'otherMails'>, enabled = true): PreEnrollment {
  if (!enabled) return { emails: [], phones: [] };
  const emails: string[] = [];
  const seen = new Set<string>();
  for (const e of [user.mail, ...(user.otherMails ?? [])]) {
    const v = e?.trim();
    if (!v || !EMAIL.test(v) || seen.has(v.toLowerCase())) continue;
    seen.add(v.toLowerCase());
    emails.push(v);
  }
  const phone = user.mobile ? normalisePhone(user.mobile) : undefined;
  return { emails, phones: phone ? [phone] : [] };
}
