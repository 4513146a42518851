// Child process for the load benchmark: a workstation relay joined to the bench gateway.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startRelay } from '../../daemon/src/roles/relay.js';
import { joinGateway } from '../../daemon/src/relay/join.js';

const [url, pin, token] = process.argv.slice(2) as [string, string, string];
const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-relay-'));
await joinGateway({ url, token, pin, dataDir, name: 'bench-pc' });
const relay = await startRelay(validateConfig({ role: 'relay', dataDir, listen: '127.0.0.1:0', gateway: { pin } }));
process.stdout.write(`${JSON.stringify({ url: relay.url, kioskSecret: relay.kioskSecret })}\n`);
process.on('SIGTERM', () => { void relay.close().then(() => process.exit(0)); });
