// Cross-entry checks of the `directories` array: unique names, and no NetBIOS name, DNS domain
// or UPN suffix claimed by two directories (routing would otherwise depend on the order).
import type { z } from 'zod';
import { directoryNames, type NamedDirectoryEntry } from './directory-names.js';

interface Checked { ad?: unknown; entra?: unknown; directories?: NamedDirectoryEntry[] | undefined }

export function checkDirectories(c: Checked, ctx: z.RefinementCtx): void {
  const list = c.directories;
  if (!list) return;
  for (const key of ['ad', 'entra'] as const) {
    if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'cannot be combined with "directories": move it into a directories entry' });
  }
  const names = new Map<string, number>();
  const prefixes = new Map<string, string>();
  const suffixes = new Map<string, string>();
  list.forEach((entry, i) => {
    if (names.has(entry.name)) ctx.addIssue({ code: 'custom', path: ['directories', i, 'name'], message: `"${entry.name}" is already the name of directories.${names.get(entry.name)}` });
    else names.set(entry.name, i);
    const n = directoryNames(entry);
    for (const p of n.prefixes) {
      const owner = prefixes.get(p);
      const path = entry.netbios === p ? ['directories', i, 'netbios'] : ['directories', i, 'ad', 'baseDn'];
      if (owner && owner !== entry.name) ctx.addIssue({ code: 'custom', path, message: `domain name "${p}" is already routed to directory "${owner}" (set netbios to tell them apart)` });
      else prefixes.set(p, entry.name);
    }
    for (const s of n.upnSuffixes) {
      const owner = suffixes.get(s);
      const at = entry.upnSuffixes.indexOf(s);
      if (owner && owner !== entry.name) ctx.addIssue({ code: 'custom', path: at >= 0 ? ['directories', i, 'upnSuffixes', at] : ['directories', i, 'ad', 'baseDn'], message: `UPN suffix "${s}" is already routed to directory "${owner}"` });
      else suffixes.set(s, entry.name);
    }
  });
}
