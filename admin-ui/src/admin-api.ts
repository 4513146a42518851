// The console's client for /admin/api: the session cookie travels by itself (same origin); the
// CSRF token the server handed out goes in a header on every state-changing request.
import { ApiError, NETWORK_ERROR, readAnswer } from '../../kiosk-ui/src/shared/api.js';

export type Role = 'admin' | 'helpdesk';
export interface SessionView { signedIn: boolean; csrf: string; negotiate?: boolean; user?: { name: string; displayName: string; role: Role }; expiresAt?: string; endsAt?: string; idleSeconds?: number }
export interface FactorView { id: string; type: string; hint: string; confirmed: boolean; createdAt: string; canVerify: boolean }
export interface CallerState {
  verified: boolean; verifiedUntil?: string; verifiedWith?: string; sentTo?: string;
  pending?: { factorId: string; type: string; expiresAt?: string; sentTo?: string; opened?: boolean };
  /** How the last check ended without a verdict typed here: a security key rejected, or its link unused until it expired. */
  failed?: { type: string; reason: 'rejected' | 'expired' };
}
export interface AuditEntry { timestamp: string; action: string; actor: string; target?: string; result: string; reason?: string; correlationId: string; source?: string; device?: string }
export interface UserDetail {
  ref: string; name: string; displayName: string | null; userPrincipalName: string | null;
  status: { locked: boolean; disabled: boolean; passwordExpired: boolean; mustChange: boolean; accountExpired: boolean; lockoutTime: string | null; pwdLastSet: string | null };
  privileged: boolean; factors: FactorView[]; events: AuditEntry[]; caller: CallerState;
}
export interface DeviceView { id: string; name: string; domain: string | null; joinedAt: string; lastSeenAt: string | null; revokedAt: string | null }
export interface Check { name: string; ok: boolean; detail: string }
export interface VerifyResult { at: string; by: string; state: string; checks: Check[] }
export interface StatusView { directories: Array<{ name: string; kind: string; servers: string[] }>; last?: VerifyResult }

export type PopStatus = 'DISCOVERED' | 'ENROLLED' | 'LOCKED' | 'OUT_OF_SCOPE' | 'DISABLED';
export const POP_STATUSES: readonly PopStatus[] = ['DISCOVERED', 'ENROLLED', 'LOCKED', 'OUT_OF_SCOPE', 'DISABLED'];
export type Counts = Record<PopStatus, number>;
export interface PopUser { id: string; directoryId: string; accountName: string; displayName: string; mail: string; status: PopStatus; lastChange: string; syncedAt: string }
export interface SyncRun { startedAt: string; by: string; full: boolean; progress?: { phase: string; done: number; total?: number }; result?: { mode: string; scanned: number; written: number; removed: number; durationMs: number }; error?: { code: string; message: string } }
export interface DirectoryPop {
  id: string; targets: Array<{ groupId: string; name: string }>; sync: SyncRun | null;
  status: { state?: string; lastSuccess?: string; lastError?: { at: string; code: string; message: string } };
}
export interface Summary { counts: Counts; licence: { count: number; limit?: number; exceeded: boolean; warning?: string }; series: Array<{ day: string; counts: Counts }> }

export class AdminApi {
  csrf: string | undefined;

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['X-Keyhatch-CSRF'] = this.csrf;
    let res: Response;
    try {
      res = await fetch(`/admin/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, NETWORK_ERROR, err instanceof Error ? err.message : String(err));
    }
    return readAnswer<T>(res);
  }

  uiConfig(): Promise<{ defaultLocale: string; locales: string[] }> {
    return fetch('/api/v1/ui-config', { credentials: 'same-origin' }).then((r) => r.json() as Promise<{ defaultLocale: string; locales: string[] }>);
  }
  async session(): Promise<SessionView> { const s = await this.request<SessionView>('GET', '/session'); this.csrf = s.csrf; return s; }
  async signIn(username: string, password: string): Promise<SessionView> { const s = await this.request<SessionView>('POST', '/session', { username, password }); this.csrf = s.csrf; return s; }
  /** Single sign-on: the browser answers the gateway's Negotiate challenge by itself when it may (allow-listed, signed in to Windows). */
  async negotiate(): Promise<SessionView> { const s = await this.request<SessionView>('POST', '/session/negotiate', {}); this.csrf = s.csrf; return s; }
  signOut(): Promise<void> { return this.request('POST', '/session/end', {}); }
  lookup(name: string): Promise<UserDetail> { return this.request('POST', '/users/lookup', { name }); }
  user(ref: string): Promise<UserDetail> { return this.request('GET', `/users/${enc(ref)}`); }
  verify(ref: string, factorId: string): Promise<CallerState> { return this.request('POST', `/users/${enc(ref)}/verify`, { factorId }); }
  confirm(ref: string, code: string): Promise<CallerState> { return this.request('POST', `/users/${enc(ref)}/verify/confirm`, { code }); }
  cancelVerify(ref: string): Promise<CallerState> { return this.request('POST', `/users/${enc(ref)}/verify/cancel`, {}); }
  unlock(ref: string): Promise<{ unlocked: boolean }> { return this.request('POST', `/users/${enc(ref)}/unlock`, {}); }
  helpdeskCode(ref: string): Promise<{ code: string; expiresAt: string }> { return this.request('POST', `/users/${enc(ref)}/helpdesk-code`, {}); }
  resetEnrollment(ref: string): Promise<{ removed: number }> { return this.request('POST', `/users/${enc(ref)}/reset-enrollment`, {}); }
  devices(): Promise<DeviceView[]> { return this.request('GET', '/devices'); }
  revoke(id: string): Promise<{ revoked: boolean }> { return this.request('POST', `/devices/${enc(id)}/revoke`, {}); }
  audit(query: URLSearchParams): Promise<AuditEntry[]> { return this.request('GET', `/audit?${query.toString()}`); }
  status(): Promise<StatusView> { return this.request('GET', '/status'); }
  verifyConnection(): Promise<VerifyResult> { return this.request('POST', '/status/verify', {}); }
  settings(): Promise<Record<string, unknown>> { return this.request('GET', '/settings'); }
  features(): Promise<{ population: boolean }> { return this.request('GET', '/features'); }
  popDirectories(): Promise<DirectoryPop[]> { return this.request('GET', '/population/directories'); }
  searchGroups(directory: string, q: string): Promise<Array<{ groupId: string; name: string; description: string }>> {
    return this.request('GET', `/population/groups?${new URLSearchParams({ directory, q }).toString()}`);
  }
  setTargets(directory: string, groups: Array<{ groupId: string; name: string }>): Promise<unknown> { return this.request('POST', '/population/targets', { directory, groups }); }
  syncNow(directory: string, full: boolean): Promise<SyncRun> { return this.request('POST', '/population/sync', { directory, full }); }
  syncState(directory: string): Promise<SyncRun | null> { return this.request('GET', `/population/sync?${new URLSearchParams({ directory }).toString()}`); }
  users(query: URLSearchParams): Promise<{ total: number; users: PopUser[] }> { return this.request('GET', `/population/users?${query.toString()}`); }
  summary(): Promise<Summary> { return this.request('GET', '/population/summary'); }
}

const enc = encodeURIComponent;
