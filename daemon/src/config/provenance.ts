// Where each effective config value came from (default, installer, file, Group Policy, environment), for
// `keyhatch doctor`. load.ts records the layers next to the frozen config; nothing else changes.
import { POLICY_VALUES, policyLocation } from './policy-map.js';
import type { RawConfig } from './policy-source.js';

export type ValueSource = 'default' | 'install' | 'file' | 'policy' | 'env';

export interface ConfigLayers {
  /** What the installer recorded (HKLM\SOFTWARE\Keyhatch), under the file. */
  installed?: RawConfig;
  file: RawConfig;
  fileName?: string;
  policy: RawConfig;
  env: RawConfig;
  /** The environment variable behind each env path. */
  envNames: Record<string, string>;
}

export interface ValueOrigin {
  path: string;
  source: ValueSource;
  /** File name, registry value or environment variable. */
  where?: string;
  /** Display value; secrets never shown. */
  value: string;
}

const layers = new WeakMap<object, ConfigLayers>();

export function recordLayers(config: object, l: ConfigLayers): void { layers.set(config, l); }

/** Leaf paths of a plain object; arrays are leaves. */
function leaves(o: unknown, prefix = ''): Array<[string, unknown]> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return prefix ? [[prefix, o]] : [];
  return Object.entries(o as RawConfig).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function has(raw: RawConfig, path: string): boolean {
  let node: unknown = raw;
  for (const k of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(k in node)) return false;
    node = (node as RawConfig)[k];
  }
  return true;
}

const SECRETISH = /password|secret|token|authtoken|key$/i;

function display(path: string, value: unknown): string {
  if (SECRETISH.test(path.split('.').pop() ?? '') && !/keyfile$/i.test(path)) return '(set)';
  return JSON.stringify(value);
}

/** Every leaf of the effective config with its origin; highest-precedence layer wins. */
export function provenanceOf(config: object): ValueOrigin[] {
  const l = layers.get(config);
  const policyWhere = new Map(POLICY_VALUES.filter((v) => v.path).map((v) => [v.path as string, policyLocation(v)]));
  return leaves(config).map(([path, value]) => {
    const base = { path, value: display(path, value) };
    if (!l) return { ...base, source: 'default' as const };
    const envPath = Object.keys(l.envNames).find((p) => path === p || path.startsWith(`${p}.`));
    if (envPath && has(l.env, envPath)) return { ...base, source: 'env' as const, where: l.envNames[envPath] };
    if (has(l.policy, path)) return { ...base, source: 'policy' as const, where: policyWhere.get(path) };
    if (has(l.file, path)) return { ...base, source: 'file' as const, where: l.fileName };
    if (l.installed && has(l.installed, path)) return { ...base, source: 'install' as const, where: 'HKLM\\SOFTWARE\\Keyhatch\\Role' };
    return { ...base, source: 'default' as const };
  });
}

/** Doctor lines: every value not at its default, and a count of defaults. */
export function provenanceLines(config: object): Array<{ name: string; ok: true; detail: string }> {
  const all = provenanceOf(config);
  const set = all.filter((o) => o.source !== 'default');
  return [
    ...set.map((o) => ({ name: `config ${o.path}`, ok: true as const, detail: `${o.value} from ${o.source}${o.where ? ` (${o.where})` : ''}` })),
    { name: 'config defaults', ok: true as const, detail: `${all.length - set.length} value(s) at their default` },
  ];
}
