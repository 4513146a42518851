// `keyhatch secret set <key>`: puts a credential into the platform secret store (DPAPI on
// Windows, a 0600 file elsewhere) so it need not sit in the config file or the environment.
// The value comes from stdin only (never the command line, which other users can see).
import { SECRET_KEYS, secretKey, storeNameOf } from '../config/secrets.js';
import { platformSecretStore } from '../platform/secret-store.js';
import { UsageError } from './args.js';
import type { CliIo } from './cli-io.js';

export async function secretSet(args: string[], io: CliIo, dataDir: string): Promise<number> {
  if (args.length !== 1 || !args[0]) throw new UsageError(`usage: keyhatch secret set <key>   (value on stdin; keys: ${SECRET_KEYS.map((k) => k.key).join(', ')})`);
  const key = secretKey(args[0]);
  const value = (await io.readStdin()).replace(/\r?\n$/, '');
  if (value.length === 0) throw new UsageError('no value on stdin');
  const store = await platformSecretStore(dataDir);
  await store.set(storeNameOf(key.key), Buffer.from(value, 'utf8'));
  io.stdout(`stored ${key.key} (${key.path.replace('#password', ' password')}) in the ${store.kind === 'dpapi' ? 'DPAPI' : 'file (0600)'} secret store; values in the config file or ${key.env} take precedence`);
  return 0;
}
