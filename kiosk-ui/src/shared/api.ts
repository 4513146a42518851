// A small typed client for the daemon's HTTP API (docs: CONTRACTS.md, docs/kiosk.md). Plain module:
// it only needs `fetch`, so it runs in the renderer, the portal, the demo and tests alike.

export type FactorType = 'email' | 'sms' | 'totp' | 'webauthn' | 'questions' | 'helpdesk';

export interface Violation { readonly code: string; readonly [detail: string]: unknown }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly violations: readonly Violation[] = []) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Thrown for a request that never got an HTTP answer. */
export const NETWORK_ERROR = 'NETWORK';

export interface UiConfig { defaultLocale: string; locales: string[]; sessionSeconds: number }
/** One entry of the method menu; the same for everyone (no hints: they would tell who exists). */
export interface RecoveryFactor { id: string; type: FactorType }
export interface RecoveryStart { recoveryId: string; factors: RecoveryFactor[]; required: number; expiresAt: string }
export interface AccountState { locked: boolean; canUnlock: boolean; canReset: boolean; backend?: string }
export interface PolicyView {
  minLength: number; maxLength: number; complexity: boolean; historyLength: number;
  bannedWords: string[]; source: 'domain' | 'pso' | 'entra'; psoName?: string;
}
export interface RecoveryStatus {
  verified: boolean; remaining: number; expiresAt: string;
  account?: AccountState; policy?: PolicyView; subject?: { accountName: string; displayName?: string };
}
export interface Challenge {
  sent?: boolean;
  questions?: Array<{ id: string; text: string }>;
  publicKey?: unknown;
}
export interface EnrolledFactorView { id: string; type: FactorType; hint: string; confirmed: boolean }

export interface ApiOptions {
  /** Origin (or base URL) of the daemon; '' means the page's own origin. */
  base?: string;
  /** Extra headers per request (the kiosk secret, the portal's bearer token). */
  headers?: () => Record<string, string>;
  fetch?: typeof fetch;
}

export class Api {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: ApiOptions = {}) {
    this.base = (opts.base ?? '').replace(/\/$/, '');
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...this.opts.headers?.() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}/api/v1${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, NETWORK_ERROR, err instanceof Error ? err.message : String(err));
    }
    return readAnswer<T>(res);
  }

  uiConfig(): Promise<UiConfig> { return this.request('GET', '/ui-config'); }

  // Recovery (kiosk)
  startRecovery(username: string): Promise<RecoveryStart> { return this.request('POST', '/recovery', { username }); }
  /** `contact`: for e-mail and SMS, the full address or number the user typed. */
  challenge(id: string, factor: string, contact?: string): Promise<Challenge> {
    return this.request('POST', `/recovery/${enc(id)}/challenge`, contact === undefined ? { factor } : { factor, contact });
  }
  verify(id: string, factor: string, response: unknown): Promise<{ verified: boolean; remaining: number }> {
    return this.request('POST', `/recovery/${enc(id)}/verify`, { factor, response });
  }
  status(id: string): Promise<RecoveryStatus> { return this.request('GET', `/recovery/${enc(id)}`); }
  checkPassword(id: string, newPassword: string): Promise<{ violations: Violation[] }> {
    return this.request('POST', `/recovery/${enc(id)}/check-password`, { newPassword });
  }
  unlock(id: string): Promise<{ unlocked: boolean }> { return this.request('POST', `/recovery/${enc(id)}/unlock`); }
  reset(id: string, newPassword: string, unlock: boolean): Promise<{ reset: boolean; unlocked: boolean }> {
    return this.request('POST', `/recovery/${enc(id)}/reset`, { newPassword, unlock });
  }
  cancel(id: string): Promise<void> { return this.request('POST', `/recovery/${enc(id)}/cancel`); }

  // Enrollment (portal)
  login(username: string, password: string): Promise<{ token: string; expiresAt: string; user?: { displayName?: string } }> {
    return this.request('POST', '/enrollment/login', { username, password });
  }
  logout(): Promise<void> { return this.request('POST', '/enrollment/logout'); }
  factors(): Promise<EnrolledFactorView[]> { return this.request('GET', '/enrollment/factors'); }
  questionList(): Promise<{ questions: string[]; required: number; minAnswerLength: number }> { return this.request('GET', '/enrollment/questions'); }
  addTotp(): Promise<{ factorId: string; otpauthUri: string; secret: string; qrSvg?: string }> { return this.request('POST', '/enrollment/factors/totp'); }
  addEmail(address: string): Promise<{ factorId: string }> { return this.request('POST', '/enrollment/factors/email', { address }); }
  addSms(phone: string): Promise<{ factorId: string }> { return this.request('POST', '/enrollment/factors/sms', { phone }); }
  addQuestions(answers: Array<{ question: string; answer: string }>): Promise<{ factorId: string }> {
    return this.request('POST', '/enrollment/factors/questions', { answers });
  }
  addWebauthn(): Promise<{ factorId: string; publicKey: unknown }> { return this.request('POST', '/enrollment/factors/webauthn'); }
  confirmFactor(id: string, body: { code: string } | { credential: unknown }): Promise<{ confirmed: boolean }> {
    return this.request('POST', `/enrollment/factors/${enc(id)}/confirm`, body);
  }
  removeFactor(id: string): Promise<void> { return this.request('DELETE', `/enrollment/factors/${enc(id)}`); }

  // A help-desk security-key link (the user's browser; the link's token is the only credential)
  callerCheckOptions(token: string): Promise<{ publicKey: unknown }> { return this.request('POST', '/caller-check/options', { token }); }
  callerCheckVerify(token: string, response: unknown): Promise<{ verified: boolean }> { return this.request('POST', '/caller-check/verify', { token, response }); }
}

const enc = encodeURIComponent;

/** The message key for an error code; unknown codes fall back to the generic one. */
export function errorKey(code: string, has: (key: string) => boolean): string {
  const key = `error.${code}`;
  return has(key) ? key : 'error.INTERNAL';
}

/** The JSON body of an API answer, or the catalogue error it carries as an ApiError (kiosk, portal and admin console). */
export async function readAnswer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try { json = text === '' ? undefined : JSON.parse(text); } catch { json = undefined; }
  if (!res.ok) {
    const e = (json as { error?: { code?: unknown; message?: unknown; violations?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, typeof e?.code === 'string' ? e.code : 'INTERNAL',
      typeof e?.message === 'string' ? e.message : res.statusText, Array.isArray(e?.violations) ? e.violations as Violation[] : []);
  }
  return json as T;
}
