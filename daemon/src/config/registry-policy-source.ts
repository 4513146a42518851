// Group Policy from HKLM\SOFTWARE\Policies\Keyhatch through the native addon: the values in
// policy-map.ts become a partial config that load.ts lays over the JSON file. A value of the wrong
// registry type is ignored and reported (a typo in a GPO must not stop the service), while a
// value of the right type but an invalid content fails validation like the file would, naming
// the config key.
import type { RegistryTree } from '../platform/native-addon.js';
import { POLICY_ROOT, POLICY_VALUES, policyLocation, type PolicyValue } from './policy-map.js';
import type { PolicySource, RawConfig } from './policy-source.js';

export interface RegistryReader {
  readRegistryTree(path: string): Promise<RegistryTree | null>;
  watchRegistryTree(path: string, onChange: () => void): { close(): void };
}

function setPath(target: RawConfig, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= {};
    node = node[k] as RawConfig;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** REG_MULTI_SZ, or REG_SZ with commas/semicolons (what an ADMX text box writes). */
function asList(raw: string | string[]): string[] {
  const items = Array.isArray(raw) ? raw : raw.split(/[,;]/);
  return items.map((s) => s.trim()).filter(Boolean);
}

function convert(v: PolicyValue, raw: number | string | string[]): unknown {
  switch (v.type) {
    case 'dword': return typeof raw === 'number' ? raw : undefined;
    case 'flag': return typeof raw === 'number' ? raw !== 0 : undefined;
    case 'string': return typeof raw === 'string' ? raw.trim() : undefined;
    case 'list': return typeof raw === 'number' ? undefined : asList(raw);
  }
}

/** Maps a read registry tree to a partial config; `ignored` names values of the wrong type. */
export function policyFromTree(tree: RegistryTree | null): { config: RawConfig; ignored: string[] } {
  const config: RawConfig = {};
  const ignored: string[] = [];
  if (!tree) return { config, ignored };
  for (const v of POLICY_VALUES) {
    if (!v.path) continue;
    const node = v.key ? tree.keys[v.key] : tree;
    const raw = node?.values[v.name];
    if (raw === undefined) continue;
    const value = convert(v, raw);
    if (value === undefined) ignored.push(`${policyLocation(v)} (expected ${v.type === 'dword' || v.type === 'flag' ? 'REG_DWORD' : 'REG_SZ'})`);
    else setPath(config, v.path, value);
  }
  return { config, ignored };
}

/** Where the MSI records the machine's role (installer/keyhatch.wxs, component InstallInfo). */
export const INSTALL_ROOT = 'SOFTWARE\\Keyhatch';

/** The installed role as a partial config; an empty or non-string value says nothing (validation judges the rest). */
export function installedFromTree(tree: RegistryTree | null): RawConfig {
  const role = tree?.values.Role;
  return typeof role === 'string' && role.trim() !== '' ? { role: role.trim() } : {};
}

export class RegistryPolicySource implements PolicySource {
  constructor(private readonly reader: RegistryReader, private readonly onIgnored: (what: string) => void = () => undefined) {}

  async read(): Promise<RawConfig> {
    const { config, ignored } = policyFromTree(await this.reader.readRegistryTree(POLICY_ROOT));
    for (const what of ignored) this.onIgnored(what);
    return config;
  }

  async installed(): Promise<RawConfig> {
    return installedFromTree(await this.reader.readRegistryTree(INSTALL_ROOT));
  }

  /**
   * Calls onChange after any change under SOFTWARE\Policies (the parent, so the Keyhatch key
   * appearing or being deleted by a policy refresh is seen too).
   */
  watch(onChange: () => void): { close(): void } {
    return this.reader.watchRegistryTree('SOFTWARE\\Policies', onChange);
  }
}
