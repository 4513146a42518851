// Child process for the relay lightness test: starts the relay role (not joined, so it has nothing
// to connect to), answers one health request, and prints every module it loaded as JSON.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-light-'));
const { loadConfig } = await import('../../daemon/src/config/load.js');
const { startRelay } = await import('../../daemon/src/roles/relay.js');
const config = await loadConfig({ env: { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir, KEYHATCH_LISTEN: '127.0.0.1:0' } });
const relay = await startRelay(config);
const health = await (await fetch(`${relay.url}/api/v1/health`)).json() as { status: string };
await relay.close();
const req = createRequire(import.meta.url);
const esm = [...((globalThis as { __loadedModules?: Set<string> }).__loadedModules ?? [])];
process.stdout.write(JSON.stringify({ health, modules: [...esm, ...Object.keys(req.cache).map((p) => `file://${p}`)] }));
