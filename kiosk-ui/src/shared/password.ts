// The live password checklist. It runs the daemon's own rules module (daemon/src/password/rules.ts,
// a plain module) so what the user sees ticked is exactly what the server will check first.
import { checkPassword } from '../../../daemon/src/password/rules.js';
import type { PasswordPolicy } from '../../../daemon/src/password/policy.js';
import type { PolicyView, Violation } from './api.js';

export interface Subject { accountName?: string; displayName?: string }

export interface RuleRow {
  /** Stable id (also the DOM id suffix). */
  readonly id: 'length' | 'max' | 'complexity' | 'username' | 'displayName' | 'banned' | 'match';
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
  readonly ok: boolean;
}

export function toPolicy(v: PolicyView): PasswordPolicy {
  return {
    source: v.source, psoName: v.psoName, minLength: v.minLength, maxLength: v.maxLength, complexity: v.complexity,
    historyLength: v.historyLength, bannedWords: v.bannedWords, minAgeDays: 0, maxAgeDays: null,
    lockoutThreshold: 0, lockoutDurationMinutes: 0, lockoutWindowMinutes: 0,
  };
}

export function violationsOf(password: string, policy: PolicyView, subject: Subject): Violation[] {
  return checkPassword(password, toPolicy(policy), subject);
}

/** Every rule that applies to this user, each ticked or not, in a fixed order. */
export function checklist(password: string, confirm: string, policy: PolicyView, subject: Subject): RuleRow[] {
  const failed = new Set(violationsOf(password, policy, subject).map((v) => v.code));
  const rows: RuleRow[] = [
    { id: 'length', key: 'rule.minLength', params: { min: policy.minLength }, ok: !failed.has('too_short') },
    { id: 'max', key: 'rule.maxLength', params: { max: policy.maxLength }, ok: !failed.has('too_long') },
  ];
  if (policy.complexity) {
    rows.push({ id: 'complexity', key: 'rule.complexity', params: {}, ok: !failed.has('complexity') });
    if (subject.accountName) rows.push({ id: 'username', key: 'rule.noUsername', params: {}, ok: !failed.has('contains_username') });
    if (subject.displayName) rows.push({ id: 'displayName', key: 'rule.noDisplayName', params: {}, ok: !failed.has('contains_display_name') });
  }
  if (policy.bannedWords.length > 0) rows.push({ id: 'banned', key: 'rule.noBanned', params: {}, ok: !failed.has('banned') });
  rows.push({ id: 'match', key: 'rule.match', params: {}, ok: password.length > 0 && password === confirm });
  return rows;
}

/**
 * A rough strength estimate, 0 (very weak) … 4 (strong): length and character variety, with a
 * penalty for repeats and runs. Advice only; the policy rules decide what is accepted.
 */
export function strength(password: string): 0 | 1 | 2 | 3 | 4 {
  const chars = [...password];
  if (chars.length === 0) return 0;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  const unique = new Set(chars.map((c) => c.toLowerCase())).size;
  let bits = unique < 4 ? chars.length : chars.length * Math.log2(Math.min(94, 10 + classes * 21));
  if (/(.)\1\1/.test(password)) bits -= 10;
  if (/^[A-Z]?[a-z]+[0-9]{1,4}[!.?]?$/.test(password)) bits -= 20; // Word + year, the classic "Summer2026"
  if (/(0123|1234|2345|3456|4567|5678|6789|abcd|qwer|asdf|pass)/i.test(password)) bits -= 15;
  if (bits < 28) return 0;
  if (bits < 45) return 1;
  if (bits < 60) return 2;
  if (bits < 80) return 3;
  return 4;
}

/** Message key for a violation code (server or live). */
export function violationKey(code: string): string { return `violation.${code}`; }
