// Runs the logon-link rules against the registry (through the native addon on Windows) and
// turns them into doctor checks / one Event Log message. Fails closed: a setting that cannot be
// read is reported, never assumed fine.
import type { RegistryTree } from '../platform/native-addon.js';
import { LOGON_LINK_RULES, type RegValue } from './logon-link-settings.js';

export interface RegistryTreeReader {
  readRegistryTree(path: string): Promise<RegistryTree | null>;
}

export interface PreflightResult {
  name: string;
  ok: boolean;
  detail: string;
}

function splitLocation(loc: string): { key: string; value: string } {
  const i = loc.lastIndexOf('\\');
  return { key: loc.slice(0, i), value: loc.slice(i + 1) };
}

/** Addon path for a "HKLM\\…"/"HKCU\\…" key: HKLM is implicit, HKCU keeps its prefix. */
const addonPath = (key: string): string => (key.startsWith('HKLM\\') ? key.slice(5) : key);

export async function logonLinkPreflight(reader: RegistryTreeReader): Promise<PreflightResult[]> {
  const keys = [...new Set(LOGON_LINK_RULES.flatMap((r) => r.reads.map((l) => splitLocation(l).key)))];
  const trees = new Map<string, RegistryTree | null | Error>();
  await Promise.all(keys.map(async (k) => {
    trees.set(k, await reader.readRegistryTree(addonPath(k)).catch((err: Error) => err));
  }));
  return LOGON_LINK_RULES.map((rule) => {
    const name = `logon link: ${rule.id}`;
    const values = new Map<string, RegValue>();
    for (const loc of rule.reads) {
      const { key, value } = splitLocation(loc);
      const tree = trees.get(key);
      if (tree instanceof Error) return { name, ok: false, detail: `cannot read ${key}: ${tree.message}` };
      values.set(loc, tree?.values[value]);
    }
    const problem = rule.problem(values);
    return problem ? { name, ok: false, detail: `${problem} — breaks: ${rule.breaks}; fix: ${rule.fix}` } : { name, ok: true, detail: 'not set in a way that hides the link' };
  });
}

/** One Event Log message for the MSI's post-install run (event id 1100 ok, 1101 problems). */
export function preflightEvent(results: readonly PreflightResult[]): { level: 'info' | 'warning'; eventId: number; message: string } {
  const bad = results.filter((r) => !r.ok);
  if (bad.length === 0) return { level: 'info', eventId: 1100, message: `Keyhatch logon-link preflight: all ${results.length} checks passed.` };
  return { level: 'warning', eventId: 1101, message: `Keyhatch logon-link preflight: ${bad.length} of ${results.length} settings hide or break the reset link:\n${bad.map((r) => `- ${r.name}: ${r.detail}`).join('\n')}` };
}
