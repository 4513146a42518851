// Password rules as small checkers. Each returns stable violation codes that the UI translates;
// all violations are collected so a user sees everything at once. The directory stays the final
// judge (history is only knowable there); this lets callers pre-check before asking it.
import type { PolicyViolation } from '../errors/catalogue.js';
import type { PasswordPolicy } from './policy.js';

export interface PasswordSubject {
  /** The logon name (AD: sAMAccountName). */
  readonly accountName?: string;
  readonly displayName?: string;
}

type Checker = (password: string, policy: PasswordPolicy, subject: PasswordSubject) => PolicyViolation | null;

const tooShort: Checker = (pw, p) =>
  [...pw].length < p.minLength ? { code: 'too_short', min: p.minLength } : null;

const tooLong: Checker = (pw, p) =>
  [...pw].length > p.maxLength ? { code: 'too_long', max: p.maxLength } : null;

/** AD's five character categories; complexity needs three of them. */
export function characterCategories(pw: string): number {
  const cats = new Set<string>();
  for (const ch of pw) {
    if (/[0-9]/.test(ch)) cats.add('digit');
    else if (/\p{Lu}/u.test(ch)) cats.add('upper');
    else if (/\p{Ll}/u.test(ch)) cats.add('lower');
    else if (/\p{L}/u.test(ch)) cats.add('other_letter');
    else cats.add('symbol');
  }
  return cats.size;
}

const complexity: Checker = (pw, p) => {
  if (!p.complexity) return null;
  const found = characterCategories(pw);
  return found < 3 ? { code: 'complexity', required: 3, found } : null;
};

/** Real AD: with complexity on, the sAMAccountName (if ≥3 chars) must not appear, case-insensitively. */
const containsUsername: Checker = (pw, p, s) => {
  if (!p.complexity || !s.accountName || s.accountName.length < 3) return null;
  return pw.toLowerCase().includes(s.accountName.toLowerCase()) ? { code: 'contains_username' } : null;
};

/** Real AD: displayName is split on , . - _ # tab and space; no token of ≥3 chars may appear. */
export function displayNameTokens(displayName: string): string[] {
  return displayName.split(/[,.\-_#\t ]+/).filter((t) => [...t].length >= 3).map((t) => t.toLowerCase());
}

const containsDisplayName: Checker = (pw, p, s) => {
  if (!p.complexity || !s.displayName) return null;
  const lower = pw.toLowerCase();
  return displayNameTokens(s.displayName).some((t) => lower.includes(t)) ? { code: 'contains_display_name' } : null;
};

const banned: Checker = (pw, p) => {
  const lower = pw.toLowerCase();
  return p.bannedWords.some((w) => w.length > 0 && lower.includes(w.toLowerCase())) ? { code: 'banned' } : null;
};

const CHECKERS: readonly Checker[] = [tooShort, tooLong, complexity, containsUsername, containsDisplayName, banned];

export function checkPassword(password: string, policy: PasswordPolicy, subject: PasswordSubject): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const check of CHECKERS) {
    const v = check(password, policy, subject);
    if (v) out.push(v);
  }
  return out;
}
