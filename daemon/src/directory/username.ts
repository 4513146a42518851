// Parses what a user typed as their name: sAMAccountName, DOMAIN\name or a UPN.
// Input is NFC-normalised and bounded before it can reach any directory query.
import { KeyhatchError } from '../errors/catalogue.js';

export type ParsedUsername =
  | { kind: 'sam'; sam: string; domain?: string }
  | { kind: 'upn'; upn: string; local: string; suffix: string };

const MAX_INPUT = 256;
/** Characters AD never allows in a sAMAccountName (plus control characters). */
const SAM_FORBIDDEN = /["/\\[\]:;|=,+*?<>@\p{Cc}]/u;
const DOMAIN_PART = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

function invalid(reason: string): KeyhatchError {
  return new KeyhatchError('INVALID_USERNAME', { reason });
}

export function parseUsername(raw: unknown): ParsedUsername {
  if (typeof raw !== 'string') throw invalid('not a string');
  if (raw.length > MAX_INPUT * 4) throw invalid('overlong');
  const input = raw.normalize('NFC').trim();
  if (input.length === 0) throw invalid('empty');
  if (input.length > MAX_INPUT) throw invalid('overlong');
  if (/\p{Cc}/u.test(input)) throw invalid('control character');

  const backslash = input.indexOf('\\');
  if (backslash >= 0) {
    const domain = input.slice(0, backslash);
    const sam = input.slice(backslash + 1);
    if (!DOMAIN_PART.test(domain)) throw invalid('bad domain part');
    return { kind: 'sam', sam: checkSam(sam), domain: domain.toUpperCase() };
  }
  const at = input.lastIndexOf('@');
  if (at >= 0) {
    const local = input.slice(0, at);
    const suffix = input.slice(at + 1);
    if (local.length === 0 || SAM_FORBIDDEN.test(local.replace(/@/g, ''))) throw invalid('bad UPN local part');
    if (!/^[A-Za-z0-9.-]{1,253}$/.test(suffix) || !suffix.includes('.')) throw invalid('bad UPN suffix');
    return { kind: 'upn', upn: `${local}@${suffix}`, local, suffix: suffix.toLowerCase() };
  }
  return { kind: 'sam', sam: checkSam(input) };
}

function checkSam(sam: string): string {
  if (sam.length === 0 || sam.length > 64) throw invalid('bad sAMAccountName length');
  if (SAM_FORBIDDEN.test(sam)) throw invalid('forbidden character in sAMAccountName');
  if (/^\.+$/.test(sam) || sam.endsWith('.')) throw invalid('sAMAccountName cannot end with a period');
  return sam;
}
