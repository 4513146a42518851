// A second daemon PROCESS on the same data directory (same SQLite store, same keys): proves that
// gates and session leases hold across processes, not only within one event loop.
import { startStandalone } from '../../../daemon/src/roles/standalone.js';
import { validateConfig } from '../../../daemon/src/config/load.js';

const config = validateConfig(JSON.parse(process.env.KH_CONFIG as string));
const secret = process.env.KH_KIOSK as string;
const launch = process.env.KH_LAUNCH_ID as string;
// The same launch as in the first process (in production, the launch registry both would share).
const server = await startStandalone(config, { kioskSecret: secret, identifyKiosk: (s) => (s === secret ? { id: launch } : undefined) });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = () => { server.close().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.stdin.on('end', stop); // the parent went away
process.stdin.resume();
