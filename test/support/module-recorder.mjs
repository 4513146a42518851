// Registers a resolve hook that reports every module URL the process resolves (ESM imports, and the
// CommonJS packages they import) to globalThis.__loadedModules; require.cache covers the rest.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded = new Set();
globalThis.__loadedModules = loaded;
port1.on('message', (url) => { loaded.add(url); });
port1.unref();
register('./module-recorder-hook.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
