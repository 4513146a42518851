// What the relay does after the gateway reset a password for one of its kiosks. The gateway names
// the account in a header of its reset answer (http/reset-account-header.ts), which the relay reads
// and never forwards; the new password is only in the request body the relay forwarded. Both are
// handed to the listeners in memory — the logon tile's "Sign in with your new password"
// (RecentResets) and the offline cache refresh (cached-credential-refresh.ts) — and never logged
// or stored.
import type { WindowsAccount } from '../directory/windows-account.js';
import { RESET_ACCOUNT_HEADER, decodeResetAccount } from '../http/reset-account-header.js';
import type { GatewayResponse } from './gateway-client.js';

export type ResetListener = (account: WindowsAccount, newPassword: string) => void;

const RESET_PATH = /^\/api\/v1\/recovery\/[A-Za-z0-9_-]{10,64}\/reset$/;

/** The new password from a forwarded reset body; undefined for anything else. */
function newPasswordOf(body: Buffer | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const p = (JSON.parse(body.toString('utf8')) as { newPassword?: unknown }).newPassword;
    return typeof p === 'string' && p.length > 0 ? p : undefined;
  } catch { return undefined; }
}

/**
 * Called by the relay's HTTP layer for every answer it forwarded. Acts only on a successful reset
 * whose answer names a well-formed account; a listener's failure never reaches the kiosk.
 */
export function resetFollowUp(listeners: readonly ResetListener[], onError: (err: Error) => void) {
  return (method: string, path: string, body: Buffer | undefined, answer: GatewayResponse): void => {
    if (method !== 'POST' || answer.status !== 200 || !RESET_PATH.test(path)) return;
    const account = decodeResetAccount(answer.headers[RESET_ACCOUNT_HEADER]);
    if (!account) return;
    const password = newPasswordOf(body) ?? '';
    for (const l of listeners) {
      try { l(account, password); } catch (err) { onError(err as Error); }
    }
  };
}
