// Laptops away from the office: after a reset done by the gateway, the relay (SYSTEM) refreshes
// the local cached logon verifier of that user when no DC of the user's domain is reachable, so
// the next offline sign-in takes the new password (the decision is platform/cached-credential.ts;
// the MSV1_0 call is the addon's). Admins switch it off with gateway.updateCachedCredentials
// (policy Relay\UpdateCachedCredentials). The outcome is logged without the password.
import { Socket } from 'node:net';
import { promises as dns, type SrvRecord } from 'node:dns';
import type { WindowsAccount } from '../directory/windows-account.js';
import { CachedCredentialUpdater, type CachedCredentialOutcome } from '../platform/cached-credential.js';
import type { NativeAddon } from '../platform/native-addon.js';
import type { RelayLog } from './relay-log.js';

export interface DcProbeDeps {
  resolveSrv?: (name: string) => Promise<SrvRecord[]>;
  /** Per-DC connect bound; the updater bounds the whole probe too. */
  connectTimeoutMs?: number;
  maxDcs?: number;
}

const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

function connects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.connect(port, host);
  });
}

/**
 * Whether a DC of the domain answers: its LDAP SRV records (what the DC locator uses), then a TCP
 * connect to each. A name the DNS does not know (home network) or no DC accepting a connection
 * means unreachable; any other DNS failure is thrown, so the updater treats it as unknown.
 */
export function dcProbe(d: DcProbeDeps = {}): (dnsDomain: string) => Promise<boolean> {
  const resolveSrv = d.resolveSrv ?? ((n: string) => dns.resolveSrv(n));
  return async (dnsDomain) => {
    let records: SrvRecord[];
    try { records = await resolveSrv(`_ldap._tcp.dc._msdcs.${dnsDomain}`); } catch (err) {
      if (NO_SUCH_NAME.has((err as NodeJS.ErrnoException).code ?? '')) return false;
      throw err;
    }
    const dcs = records.sort((a, b) => a.priority - b.priority).slice(0, d.maxDcs ?? 3);
    const answers = await Promise.all(dcs.map((r) => connects(r.name, r.port, d.connectTimeoutMs ?? 1500)));
    return answers.some(Boolean);
  };
}

export interface CachedCredentialRefreshOptions {
  enabled: boolean;
  addon: Pick<NativeAddon, 'changeCachedPassword'>;
  /** This computer's NetBIOS name (an account "domain" equal to it is a local account). */
  computerName: string;
  log: Pick<RelayLog, 'info' | 'warn'>;
  probe?: (dnsDomain: string) => Promise<boolean>;
  probeTimeoutMs?: number;
}

/** A reset listener for the relay; resolves with the outcome (tests), never rejects. */
export function cachedCredentialRefresh(o: CachedCredentialRefreshOptions): (account: WindowsAccount, newPassword: string) => Promise<CachedCredentialOutcome> {
  const probe = o.probe ?? dcProbe();
  return async (account, newPassword) => {
    const updater = new CachedCredentialUpdater({
      addon: o.addon, enabled: o.enabled && newPassword.length > 0, role: 'relay', computerName: o.computerName,
      // Without the DNS domain there is nothing to probe: unknown, so no update.
      dcReachable: (_domain) => (account.dnsDomain ? probe(account.dnsDomain) : Promise.reject(new Error('no DNS domain'))),
      ...(o.probeTimeoutMs ? { probeTimeoutMs: o.probeTimeoutMs } : {}),
    });
    // No account name: nothing the cache could be keyed by (counts like a local account).
    const user = account.account ? { domain: account.domain ?? '', account: account.account } : { domain: '', account: '' };
    const outcome = await updater.afterReset(user, newPassword, 'gateway')
      .catch((err: Error): CachedCredentialOutcome => ({ update: true, failed: err.message.slice(0, 80) }));
    const meta = { action: 'relay.cached-credential', target: account.account, domain: account.domain, sid: account.sid };
    if ('failed' in outcome) o.log.warn('cached logon credential not refreshed', { ...meta, result: 'failure', reason: outcome.failed });
    else if (outcome.update) o.log.info('cached logon credential refreshed (no DC reachable)', { ...meta, result: 'success' });
    else o.log.info('cached logon credential left alone', { ...meta, result: 'skipped', reason: outcome.reason });
    return outcome;
  };
}
