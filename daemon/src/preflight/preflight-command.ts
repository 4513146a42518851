// `keyhatch preflight`: the logon-link checks alone (no directory needed), printed one per line
// and written to the Windows Event Log (source Keyhatch, ids 1100/1101). The MSI runs it after
// install; exit 1 when a setting hides the link.
import { logonLinkPreflight, preflightEvent } from './logon-link-preflight.js';
import { windowsRegistryReader } from './machine-checks.js';

export async function preflightCommand(out: (s: string) => void): Promise<number> {
  const reader = await windowsRegistryReader();
  if (!reader) {
    out('FAIL  logon link: the preflight runs on Windows with the native addon (keyhatch_native.node) only');
    return 1;
  }
  const results = await logonLinkPreflight(reader);
  out(results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.detail}`).join('\n'));
  const event = preflightEvent(results);
  const { loadNativeAddon } = await import('../platform/native-addon.js');
  await loadNativeAddon().writeEventLog(event.level, event.eventId, event.message).catch((err: Error) => out(`FAIL  event log: ${err.message}`));
  return results.every((r) => r.ok) ? 0 : 1;
}
