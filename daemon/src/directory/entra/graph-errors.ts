// The one place where what Microsoft Graph and the token endpoint say becomes a catalogue code.
// Graph's own code and message go to `reason` (logs only); the user sees the catalogue message.
import { KeyhatchError, isKeyhatchError, type ErrorCode, type PolicyViolation } from '../../errors/catalogue.js';

/** Graph `error.code` → catalogue code. Context-dependent refinements live in mapGraphError. */
export const GRAPH_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  Authorization_RequestDenied: 'INSUFFICIENT_RIGHTS', // 403: missing app permission or directory role
  Authorization_IdentityNotFound: 'SERVICE_BIND_FAILED', // 401: the app's service principal is missing
  InvalidAuthenticationToken: 'SERVICE_BIND_FAILED', // 401 (after one token refresh)
  accessDenied: 'INSUFFICIENT_RIGHTS', // 403 on identityProtection without permission/licence
  Forbidden: 'INSUFFICIENT_RIGHTS',
  Request_ResourceNotFound: 'USER_NOT_FOUND',
  ResourceNotFound: 'USER_NOT_FOUND',
  itemNotFound: 'USER_NOT_FOUND',
  Request_BadRequest: 'DIRECTORY_ERROR', // PASSWORD_POLICY when it is about the password
  Request_UnsupportedQuery: 'DIRECTORY_ERROR',
  BadRequest: 'DIRECTORY_ERROR',
  invalidRequest: 'DIRECTORY_ERROR',
  Request_MultipleObjectsWithSameKeyValue: 'AMBIGUOUS_USER',
  Directory_QuotaExceeded: 'DIRECTORY_ERROR',
  TooManyRequests: 'DIRECTORY_THROTTLED',
  Request_ThrottledTemporarily: 'DIRECTORY_THROTTLED',
  activityLimitReached: 'DIRECTORY_THROTTLED',
  serviceNotAvailable: 'DIRECTORY_UNAVAILABLE',
  Service_ServiceUnavailable: 'DIRECTORY_UNAVAILABLE',
  ServiceUnavailable: 'DIRECTORY_UNAVAILABLE',
  UnknownError: 'DIRECTORY_UNAVAILABLE',
  generalException: 'DIRECTORY_UNAVAILABLE',
  timeout: 'DIRECTORY_UNAVAILABLE',
};

/** Token endpoint `error` (OAuth 2.0) → catalogue code. */
export const TOKEN_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  invalid_client: 'SERVICE_BIND_FAILED', // AADSTS7000215 wrong secret, AADSTS700027 bad assertion
  unauthorized_client: 'SERVICE_BIND_FAILED', // AADSTS700016 application not found in the tenant
  invalid_request: 'SERVICE_BIND_FAILED', // AADSTS90002 tenant not found, AADSTS900023 bad tenant id
  invalid_scope: 'CONFIG_INVALID',
  temporarily_unavailable: 'DIRECTORY_UNAVAILABLE',
};

export function statusFallback(status: number): ErrorCode {
  if (status === 429) return 'DIRECTORY_THROTTLED';
  if (status === 401) return 'SERVICE_BIND_FAILED';
  if (status === 403) return 'INSUFFICIENT_RIGHTS';
  if (status === 404) return 'USER_NOT_FOUND';
  if (status >= 500) return 'DIRECTORY_UNAVAILABLE';
  return 'DIRECTORY_ERROR';
}

export interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: Record<string, unknown>; details?: Array<{ code?: string; target?: string; message?: string }> };
}

/** Entra's password messages (PATCH passwordProfile) → stable violation codes. */
export function passwordViolationsFromGraph(message: string): PolicyViolation[] | undefined {
  const m = message.toLowerCase();
  if (/complexity|complex/.test(m)) return [{ code: 'complexity' }];
  if (/banned|commonly used|too common/.test(m)) return [{ code: 'banned' }];
  if (/history|recently used|previous password/.test(m)) return [{ code: 'in_history' }];
  if (/too short|minimum length|at least \d+ characters/.test(m)) return [{ code: 'too_short' }];
  if (/too long|maximum length/.test(m)) return [{ code: 'too_long' }];
  if (/invalid character|unsupported character/.test(m)) return [{ code: 'invalid_character' }];
  if (/password/.test(m)) return [{ code: 'rejected_by_directory' }];
  return undefined;
}

export type GraphContext = 'read' | 'reset' | 'risk' | 'groups';

export function mapGraphError(status: number, body: GraphErrorBody | undefined, context: GraphContext, requestId?: string): KeyhatchError {
  const gcode = body?.error?.code ?? '';
  const gmsg = body?.error?.message ?? '';
  const reason = `Graph ${status} ${gcode || '(no code)'}: ${gmsg}${requestId ? ` [request-id ${requestId}]` : ''}`;
  let code: ErrorCode = GRAPH_ERROR_CODES[gcode] ?? statusFallback(status);
  if (context === 'reset' && status === 400) {
    if (/on-premises mastered|directory sync/i.test(gmsg)) {
      return new KeyhatchError('DIRECTORY_ERROR', { reason: `${reason} (synced user: the password must be reset in AD)` });
    }
    const isPasswordTarget = body?.error?.details?.some((d) => /password/i.test(d.target ?? '')) ?? false;
    const violations = passwordViolationsFromGraph(gmsg);
    if (violations && (isPasswordTarget || /password/i.test(gmsg))) return new KeyhatchError('PASSWORD_POLICY', { reason, violations });
  }
  if (context === 'reset' && code === 'INSUFFICIENT_RIGHTS' && gcode === 'Authorization_RequestDenied') code = 'ENTRA_ROLE_MISSING';
  if (context === 'reset' && code === 'USER_NOT_FOUND') code = 'DIRECTORY_ERROR';
  return new KeyhatchError(code, { reason });
}

/** Graph's answers to a delta link it no longer keeps (expired after 7 days, or its sync state was reset). */
const EXPIRED_DELTA = /^Graph (?:410 |400 (?:syncStateNotFound|syncStateInvalid|resyncRequired)\b)/;

/** True for an error that says the delta link must be replaced by a full read (see mapGraphError's reason). */
export function isExpiredDeltaLink(err: unknown): boolean {
  return isKeyhatchError(err) && EXPIRED_DELTA.test(err.reason ?? '');
}
