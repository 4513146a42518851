// The workstation's own domain, recorded with its device at join: the gateway looks a bare user name
// up there before asking every directory (docs/deployment-domains.md). On Windows it is the machine's
// primary DNS suffix, which joining an AD domain sets to the domain's DNS name (Tcpip\Parameters,
// value Domain; NV Domain is the configured one, read when Domain is empty). Elsewhere, or when it
// cannot be read, there is none: `keyhatch join --domain` names it, and without one a bare name is
// routed by the gateway's `directoryRouting.ambiguous` policy.
import { DOMAIN_NAME } from '../config/patterns.js';
import type { RegistryTree } from '../platform/native-addon.js';

const TCPIP_PARAMETERS = 'SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters';

/** A NetBIOS or DNS domain name, as the gateway's join route accepts it. */
export function isDomainName(s: string): boolean {
  return DOMAIN_NAME.test(s);
}

export interface RegistryRead {
  readRegistryTree(path: string): Promise<RegistryTree | null>;
}

async function windowsRegistry(): Promise<RegistryRead | undefined> {
  if (process.platform !== 'win32') return undefined;
  const { nativeAddonAvailable, loadNativeAddon } = await import('../platform/native-addon.js');
  return nativeAddonAvailable() ? loadNativeAddon() : undefined;
}

/** The machine's domain, or undefined when it has none this can read (never throws: join goes on without). */
export async function machineDomain(registry?: RegistryRead): Promise<string | undefined> {
  try {
    const reader = registry ?? await windowsRegistry();
    const values = (await reader?.readRegistryTree(TCPIP_PARAMETERS))?.values ?? {};
    for (const name of ['Domain', 'NV Domain']) {
      const v = values[name];
      if (typeof v === 'string' && isDomainName(v.trim())) return v.trim();
    }
  } catch {
    // An unreadable key is a machine without a known domain, not a failed join.
  }
  return undefined;
}
