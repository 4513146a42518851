// The machine-level lines of `keyhatch doctor`: where each config value came from, and on a
// Windows workstation (relay/standalone) the logon-link preflight.
import type { KeyhatchConfig } from '../config/schema.js';
import { provenanceLines } from '../config/provenance.js';
import { logonLinkPreflight, type PreflightResult } from './logon-link-preflight.js';

/** The registry reader on Windows; undefined elsewhere or without the addon. */
export async function windowsRegistryReader(): Promise<Parameters<typeof logonLinkPreflight>[0] | undefined> {
  if (process.platform !== 'win32') return undefined;
  const { nativeAddonAvailable, loadNativeAddon } = await import('../platform/native-addon.js');
  return nativeAddonAvailable() ? loadNativeAddon() : undefined;
}

export async function machineChecks(config: KeyhatchConfig): Promise<PreflightResult[]> {
  const lines: PreflightResult[] = provenanceLines(config);
  if (config.role === 'gateway' || process.platform !== 'win32') return lines;
  const reader = await windowsRegistryReader();
  if (!reader) return [...lines, { name: 'logon link', ok: false, detail: 'cannot check the machine settings: the native addon (keyhatch_native.node) is not available' }];
  return [...lines, ...await logonLinkPreflight(reader)];
}
