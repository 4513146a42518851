// The relay's listeners for a reset done by the gateway: note the SID for the logon tile, and
// (Windows, or a given addon) refresh the offline logon cache when no DC is reachable.
import { hostname } from 'node:os';
import type { NativeAddon } from '../platform/native-addon.js';
import type { RecentResets } from '../platform/recent-resets.js';
import type { RelayLog } from './relay-log.js';
import type { ResetListener } from './reset-follow-up.js';

export interface ResetListenersOptions {
  config: { readonly gateway: { readonly updateCachedCredentials: boolean } };
  log: RelayLog;
  recentResets: RecentResets;
  /** The MSV1_0 call; default the native addon's on Windows, none elsewhere. */
  addon?: Pick<NativeAddon, 'changeCachedPassword'>;
  /** Whether a DC of a DNS domain answers; default DNS SRV + LDAP port (cached-credential-refresh.ts). */
  probe?: (dnsDomain: string) => Promise<boolean>;
}

export async function resetListeners(o: ResetListenersOptions): Promise<ResetListener[]> {
  const listeners: ResetListener[] = [(account) => o.recentResets.note(account.sid)];
  let addon = o.addon;
  if (!addon && process.platform === 'win32') {
    const native = await import('../platform/native-addon.js');
    if (native.nativeAddonAvailable()) addon = native.loadNativeAddon();
  }
  if (addon) {
    // Loaded only where there is a logon cache to refresh (its DC probe needs node:dns and node:net).
    const { cachedCredentialRefresh } = await import('./cached-credential-refresh.js');
    const refresh = cachedCredentialRefresh({
      enabled: o.config.gateway.updateCachedCredentials, addon, log: o.log,
      computerName: process.env.COMPUTERNAME ?? hostname().split('.')[0] ?? '', ...(o.probe ? { probe: o.probe } : {}),
    });
    listeners.push((account, newPassword) => { void refresh(account, newPassword); });
  }
  return listeners;
}
