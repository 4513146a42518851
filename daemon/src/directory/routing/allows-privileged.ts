// Whether self-service may act on privileged accounts. The setting lives in each directory's
// ad/entra block; recovery takes one answer, so with several directories privileged accounts are
// served only when every backend of every directory allows it (fail closed).
import type { KeyhatchConfig } from '../../config/schema.js';

export function allowsPrivileged(c: KeyhatchConfig): boolean {
  if (!c.directories) return c.ad?.allowPrivileged ?? c.entra?.allowPrivileged ?? false;
  return c.directories.every((d) => [d.ad, d.entra].every((b) => b === undefined || b.allowPrivileged));
}
