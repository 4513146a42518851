// The one catalogue of error codes Keyhatch returns: HTTP status, a message that is safe to show
// a user (never a reason that would reveal whether an account exists), and the CLI exit code.
// docs/errors.md documents every code; test/errors/catalogue.test.ts holds the two together.

export interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
  /** CLI exit code: 1 operation failed, 2 bad usage or configuration. */
  readonly exit: 1 | 2;
}

export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.', exit: 2 },
  INVALID_USERNAME: { status: 400, message: 'Enter your user name as name, DOMAIN\\name or name@domain.', exit: 2 },
  CONFIG_INVALID: { status: 500, message: 'The Keyhatch configuration is invalid.', exit: 2 },
  STORE_UNAVAILABLE: { status: 503, message: 'The Keyhatch database cannot be reached right now. Try again shortly.', exit: 1 },
  USER_NOT_FOUND: { status: 404, message: 'No such user.', exit: 1 },
  AMBIGUOUS_USER: { status: 409, message: 'More than one account matches that name.', exit: 1 },
  PRIVILEGED_ACCOUNT: { status: 403, message: 'Self-service is not available for administrative accounts.', exit: 1 },
  ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled.', exit: 1 },
  PASSWORD_POLICY: { status: 422, message: 'The new password does not meet the password policy.', exit: 1 },
  WRONG_PASSWORD: { status: 401, message: 'The current password is wrong.', exit: 1 },
  INVALID_CREDENTIALS: { status: 401, message: 'The user name or password is incorrect.', exit: 1 },
  ACCOUNT_LOCKED: { status: 403, message: 'The account is locked.', exit: 1 },
  ACCOUNT_EXPIRED: { status: 403, message: 'The account has expired.', exit: 1 },
  PASSWORD_EXPIRED: { status: 403, message: 'The password has expired.', exit: 1 },
  PASSWORD_MUST_CHANGE: { status: 403, message: 'The password must be changed before signing in.', exit: 1 },
  INSUFFICIENT_RIGHTS: { status: 502, message: 'The Keyhatch service account lacks a directory permission.', exit: 1 },
  DIRECTORY_UNAVAILABLE: { status: 503, message: 'The directory cannot be reached right now. Try again shortly.', exit: 1 },
  DIRECTORY_TLS: { status: 503, message: 'The directory server certificate could not be verified.', exit: 1 },
  DIRECTORY_ERROR: { status: 502, message: 'The directory refused the operation.', exit: 1 },
  SERVICE_BIND_FAILED: { status: 503, message: 'The Keyhatch service account could not sign in to the directory.', exit: 1 },
  RESET_ALREADY_DONE: { status: 409, message: 'Your password was already changed in this session. Sign in with the new password you chose.', exit: 1 },
  RESET_INCOMPLETE: { status: 409, message: 'The password reset did not finish. Choose a new password to complete it.', exit: 1 },
  DIRECTORY_THROTTLED: { status: 503, message: 'The directory is busy right now. Try again in a minute.', exit: 1 },
  ENTRA_ROLE_MISSING: { status: 502, message: 'The Keyhatch application lacks the Entra ID directory role needed to reset passwords (User Administrator, Password Administrator or Helpdesk Administrator).', exit: 1 },
  OPERATION_UNSUPPORTED: { status: 501, message: 'This operation is not available for this kind of account.', exit: 1 },
  SESSION_BUSY: { status: 503, message: 'Your previous step is still being handled. Wait a moment and try again.', exit: 1 },
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Try again later or contact your help desk.', exit: 1 },
  VERIFICATION_FAILED: { status: 401, message: 'That did not match. Check it and try again.', exit: 1 },
  SESSION_EXPIRED: { status: 410, message: 'This session has ended. Please start again.', exit: 1 },
  NOT_VERIFIED: { status: 403, message: 'Verify your identity first.', exit: 1 },
  NOT_FOUND: { status: 404, message: 'Not found.', exit: 1 },
  UNAUTHORIZED: { status: 401, message: 'Sign in first.', exit: 1 },
  FACTOR_UNAVAILABLE: { status: 400, message: 'That verification method is not available.', exit: 1 },
  DELIVERY_FAILED: { status: 502, message: 'The code could not be sent. Try another method or try again shortly.', exit: 1 },
  SMS_FAILED: { status: 502, message: 'The text message could not be sent. Try another method.', exit: 1 },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request is too large.', exit: 2 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON (Content-Type: application/json).', exit: 2 },
  DEVICE_CERT_REQUIRED: { status: 401, message: 'This workstation must present its Keyhatch device certificate (run keyhatch join).', exit: 1 },
  DEVICE_UNTRUSTED: { status: 403, message: 'The device certificate was not issued by this gateway.', exit: 1 },
  DEVICE_UNKNOWN: { status: 403, message: 'This workstation is not joined to this gateway.', exit: 1 },
  DEVICE_REVOKED: { status: 403, message: 'This workstation has been removed from the gateway.', exit: 1 },
  JOIN_TOKEN_INVALID: { status: 403, message: 'The join token is unknown, expired or used up.', exit: 1 },
  GATEWAY_UNAVAILABLE: { status: 503, message: 'The Keyhatch gateway cannot be reached right now. Try again shortly.', exit: 1 },
  GATEWAY_UNTRUSTED: { status: 502, message: 'The Keyhatch gateway could not be verified (certificate or pin mismatch).', exit: 1 },
  NOT_JOINED: { status: 503, message: 'This workstation is not joined to a Keyhatch gateway yet.', exit: 1 },
  FORBIDDEN: { status: 403, message: 'Your account may not do this here.', exit: 1 },
  CSRF_FAILED: { status: 403, message: 'This page has expired. Reload it and try again.', exit: 1 },
  NEGOTIATE_MALFORMED: { status: 400, message: 'The browser sent a single sign-on token that could not be read. Sign in with your password.', exit: 1 },
  NEGOTIATE_FAILED: { status: 401, message: 'Single sign-on did not work here. Sign in with your password.', exit: 1 },
  CALLER_NOT_VERIFIED: { status: 403, message: 'Verify the caller with one of their own methods first.', exit: 1 },
  CALLER_NO_CHANNEL: { status: 409, message: 'This user has no enrolled e-mail address or phone to send the security-key link to. Verify the caller another way.', exit: 1 },
  CALLER_LINK_INVALID: { status: 410, message: 'This link is not valid any more. If you are on a call with your help desk, ask them to send a new one.', exit: 1 },
  INTERNAL: { status: 500, message: 'Something went wrong. Try again or contact your help desk.', exit: 1 },
  DATA_DIR_UNWRITABLE: { status: 503, message: 'Keyhatch cannot save anything right now because its disk is full or read-only. Try again later or call your help desk.', exit: 1 },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface PolicyViolation {
  readonly code: string;
  readonly [detail: string]: unknown;
}

export interface KeyhatchErrorOptions {
  /** A more specific message than the catalogue's; must be as safe to show. */
  message?: string;
  /** Why it happened, for the audit/diagnostic log only (never a secret). */
  reason?: string;
  violations?: PolicyViolation[];
  cause?: unknown;
}

export class KeyhatchError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly reason: string | undefined;
  readonly violations: PolicyViolation[] | undefined;

  constructor(code: ErrorCode, options: KeyhatchErrorOptions = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyhatchError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.reason = options.reason;
    this.violations = options.violations;
  }

  get exitCode(): 1 | 2 { return ERROR_CATALOGUE[this.code].exit; }

  toJSON(): { error: { code: string; message: string; violations?: PolicyViolation[] } } {
    return { error: { code: this.code, message: this.message, ...(this.violations ? { violations: this.violations } : {}) } };
  }
}

export function isKeyhatchError(err: unknown, code?: ErrorCode): err is KeyhatchError {
  return err instanceof KeyhatchError && (code === undefined || err.code === code);
}
