// Child process for the relay lightness test: runs `keyhatch serve` in the relay role (not joined, so
// it has nothing to connect to) through the real CLI entry (relay-first.ts, what bin/keyhatch.js runs), answers one health request, stops on a
// real SIGTERM, and prints every module it loaded as JSON.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-light-'));
const { runRelayFirst } = await import('../../daemon/src/cli/relay-first.js');
const quiet = { stdout: () => undefined, stderr: (s: string) => process.stderr.write(`${s}\n`), readStdin: async () => '' };
const served = runRelayFirst(['serve'], () => import('../../daemon/src/cli/main.js'),
  { ...quiet, env: { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir, KEYHATCH_LISTEN: `127.0.0.1:${port}` } });
let health: unknown;
for (let i = 0; i < 500 && health === undefined; i++) {
  try { health = await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json(); } catch { await new Promise((r) => setTimeout(r, 20)); }
}
process.kill(process.pid, 'SIGTERM');
const code = await served;
const req = createRequire(import.meta.url);
const esm = [...((globalThis as { __loadedModules?: Set<string> }).__loadedModules ?? [])];
process.stdout.write(JSON.stringify({ code, health, modules: [...esm, ...Object.keys(req.cache).map((p) => `file://${p}`)] }));
