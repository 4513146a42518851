// The configuration for `keyhatch serve` and `doctor`, validated the way its role needs: a relay by
// its own small check (relay-config.ts), so it never loads the schema library; anything that check
// cannot judge, and every other role, by the full schema (load.ts, loaded only then).
import { deepFreeze, readConfigInput, type LoadOptions } from './layers.js';
import type { RawConfig } from './policy-source.js';
import { recordLayers } from './provenance.js';
import { checkRelayConfig, relaySubset, type RelayConfig } from './relay-config.js';
import type { KeyhatchConfig } from './schema.js';

/** A gateway's or standalone daemon's config: the full schema. */
export type DirectoryRoleConfig = KeyhatchConfig & { readonly role: 'standalone' | 'gateway' };
export type RoleConfig = RelayConfig | DirectoryRoleConfig;

const isDirectoryRole = (c: KeyhatchConfig): c is DirectoryRoleConfig => c.role !== 'relay';

/** Validates merged layers for their role (throws CONFIG_INVALID naming the key, as validateConfig does). */
export async function validateForRole(raw: RawConfig): Promise<RoleConfig> {
  if (raw.role === 'relay') {
    const fast = checkRelayConfig(raw);
    if (fast) return deepFreeze(fast);
  }
  const full = (await import('./load.js')).validateConfig(raw);
  return isDirectoryRole(full) ? full : deepFreeze(relaySubset(full));
}

export async function loadRoleConfig(opts: LoadOptions = {}): Promise<RoleConfig> {
  const { raw, layers } = await readConfigInput(opts);
  const config = await validateForRole(raw);
  recordLayers(config, layers);
  return config;
}
