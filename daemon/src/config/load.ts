// Builds the configuration: JSON file, then Group Policy, then KEYHATCH_* environment variables
// (a secret also from KEYHATCH_<KEY>_FILE, or from the platform secret store when nowhere else),
// validated once and frozen.
import { KeyhatchError } from '../errors/catalogue.js';
import { configSchema, type KeyhatchConfig } from './schema.js';
import { recordLayers } from './provenance.js';
import { assertListenSafe } from './listen-check.js';
import { deepFreeze, readConfigInput, type LoadOptions } from './layers.js';
import type { RawConfig } from './policy-source.js';

export { defaultDataDir, envOverrides, loadRawConfig, type LoadOptions } from './layers.js';

/** "ad.urls.0: must be ldaps://…" — one line per problem, each naming the key. */
function formatIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code: string; keys?: string[] }>): string {
  return issues.map((i) => {
    const key = i.path.map(String).join('.') || '(root)';
    if (i.code === 'unrecognized_keys' && i.keys) return `${i.path.length ? `${key}: ` : ''}unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${key}: ${i.message}`;
  }).join('; ');
}

export function validateConfig(raw: RawConfig): KeyhatchConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${formatIssues(parsed.error.issues as never)}` });
  }
  assertListenSafe(parsed.data.listen, parsed.data.role);
  return deepFreeze(parsed.data);
}

export async function loadConfig(opts: LoadOptions = {}): Promise<KeyhatchConfig> {
  const { raw, layers } = await readConfigInput(opts);
  const config = validateConfig(raw);
  recordLayers(config, layers);
  return config;
}
