// Maps what a DC says (ldapts result-code errors, AD bind `data` codes, password-modify prefixes,
// socket/TLS failures) onto catalogue codes. The DC's own text goes to `reason` (logs only).
import { ResultCodeError } from 'ldapts';
import { KeyhatchError, type ErrorCode, type PolicyViolation } from '../../errors/catalogue.js';

/** AD bind diagnostic `data` codes (result 49). */
export const BIND_DATA_CODES: Readonly<Record<string, ErrorCode>> = {
  '52e': 'INVALID_CREDENTIALS', // bad password — also what an unknown user gets
  '525': 'INVALID_CREDENTIALS', // user not found
  '530': 'INVALID_CREDENTIALS', // not permitted at this time
  '531': 'INVALID_CREDENTIALS', // not permitted on this workstation
  '532': 'PASSWORD_EXPIRED',
  '533': 'ACCOUNT_DISABLED',
  '701': 'ACCOUNT_EXPIRED',
  '773': 'PASSWORD_MUST_CHANGE',
  '775': 'ACCOUNT_LOCKED',
};

/** ldapts result codes that are not about credentials or policy. */
export const RESULT_CODES: Readonly<Record<number, ErrorCode>> = {
  8: 'DIRECTORY_ERROR', // strongAuthRequired: plain bind without TLS
  13: 'DIRECTORY_ERROR', // confidentialityRequired
  12: 'DIRECTORY_ERROR', // unavailableCriticalExtension
  32: 'DIRECTORY_ERROR', // noSuchObject
  50: 'INSUFFICIENT_RIGHTS',
  51: 'DIRECTORY_UNAVAILABLE', // busy
  52: 'DIRECTORY_UNAVAILABLE', // unavailable
  53: 'DIRECTORY_ERROR', // unwillingToPerform
};

const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_SSL_UNSUPPORTED_PROTOCOL']);

export function bindDataCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{3,4})\b/i.exec(message)?.[1]?.toLowerCase();
}

/** Samba appends a reason to 0000052D; real AD does not. Turn what we can into violation codes. */
export function policyViolationsFromMessage(message: string): PolicyViolation[] {
  const m = message.toLowerCase();
  if (/history|already used|previous/.test(m)) return [{ code: 'in_history' }];
  if (/too young|minimum password age|min.*age/.test(m)) return [{ code: 'too_young' }];
  if (/too short/.test(m)) return [{ code: 'too_short' }];
  if (/complex/.test(m)) return [{ code: 'complexity' }];
  return [{ code: 'rejected_by_directory' }];
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof ResultCodeError) return false;
  const e = err as NodeJS.ErrnoException & { message?: string };
  return typeof e?.code === 'string' || /timeout|timed out|socket|connect|closed|ECONN/i.test(e?.message ?? '');
}

export function mapLdapError(err: unknown, context: 'bind' | 'service-bind' | 'modify' | 'password' | 'search'): KeyhatchError {
  if (err instanceof KeyhatchError) return err;
  if (err instanceof ResultCodeError) {
    const text = err.message;
    if (err.code === 49) {
      if (context === 'service-bind') return new KeyhatchError('SERVICE_BIND_FAILED', { reason: `service account bind refused: ${text}`, cause: err });
      const data = bindDataCode(text);
      return new KeyhatchError((data ? BIND_DATA_CODES[data] : undefined) ?? 'INVALID_CREDENTIALS', { reason: `bind refused (data ${data ?? '?'})`, cause: err });
    }
    if (context === 'password' && (err.code === 19 || err.code === 53)) {
      if (text.startsWith('00000056') || /\b00000056\b/.test(text)) return new KeyhatchError('WRONG_PASSWORD', { reason: 'old password rejected', cause: err });
      if (/0000052D/i.test(text) || err.code === 19) {
        return new KeyhatchError('PASSWORD_POLICY', { reason: `directory rejected password: ${text}`, violations: policyViolationsFromMessage(text), cause: err });
      }
    }
    const code = RESULT_CODES[err.code] ?? 'DIRECTORY_ERROR';
    return new KeyhatchError(code, { reason: `LDAP result ${err.code}: ${text}`, cause: err });
  }
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && TLS_CODES.has(e.code)) {
    return new KeyhatchError('DIRECTORY_TLS', { reason: `TLS: ${e.code} ${e.message}`, cause: err });
  }
  if (isConnectionError(err)) return new KeyhatchError('DIRECTORY_UNAVAILABLE', { reason: `connection: ${e?.code ?? ''} ${e?.message ?? String(err)}`, cause: err });
  return new KeyhatchError('INTERNAL', { reason: String((err as Error)?.message ?? err), cause: err });
}
