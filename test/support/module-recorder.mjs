// Registers a resolve hook that reports every module URL the process resolves (ESM imports, and the
// CommonJS packages they import) to globalThis.__loadedModules; require.cache covers the rest. With
// MODULE_RECORDER_OUT=FILE it also writes the list there as JSON when the process exits (for a child
// that is a real entry point, not a test script).
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded = new Set();
globalThis.__loadedModules = loaded;
port1.on('message', (url) => { loaded.add(url); });
port1.unref();
register('./module-recorder-hook.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
if (process.env.MODULE_RECORDER_OUT) {
  const out = process.env.MODULE_RECORDER_OUT;
  process.on('exit', () => { writeFileSync(out, JSON.stringify([...loaded])); });
}
