// Files the configuration names (certificates, keys, keytabs), read when a role starts: a failure
// names the setting, so the admin knows which line of the config to fix.
import { readFileSync } from 'node:fs';
import { KeyhatchError } from '../errors/catalogue.js';

/** The error for a configured file that cannot be read; `setting` is its config path, e.g. "tls.certFile". */
export function unreadableConfiguredFile(setting: string, file: string, err: unknown): KeyhatchError {
  return new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
}

/** A configured text file (PEM), or CONFIG_INVALID naming the setting. */
export function readConfiguredFile(file: string, setting: string): string {
  try { return readFileSync(file, 'utf8'); } catch (err) { throw unreadableConfiguredFile(setting, file, err); }
}
