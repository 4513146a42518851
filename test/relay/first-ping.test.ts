// A joined relay answers before it sets up TLS for the gateway (roles/relay.ts): the first gateway
// call starts on the first status question — after that answer — or a set time after start when
// nobody asks; and never after the relay was closed. The "gateway" here counts TCP connections:
// the relay's first call opens one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { saveIdentity } from '../../daemon/src/relay/device-identity.js';
import { startRelay } from '../../daemon/src/roles/relay.js';
import { validateConfig } from '../../daemon/src/config/load.js';

const until = async (what: string, check: () => boolean): Promise<void> => {
  for (let i = 0; i < 3000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

describe('relay: first gateway call after the first answer', function () {
  this.timeout(120_000);
  let gateway: Server;
  let connections = 0;
  let dataDir: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyhatch-first-ping-'));
    const site = await initSiteCa(join(dir, 'site'), ['127.0.0.1']);
    gateway = createServer((s) => { connections++; s.destroy(); });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    dataDir = join(dir, 'relay');
    await saveIdentity(dataDir, {
      deviceId: 'pc-1', certPem: readFileSync(site.certFile, 'utf8'), keyPem: readFileSync(site.keyFile, 'utf8'),
      gatewayChainPem: readFileSync(site.caFile, 'utf8'), urls: [`https://127.0.0.1:${(gateway.address() as { port: number }).port}`],
    });
  });
  after(() => new Promise<void>((r) => gateway.close(() => r())));
  beforeEach(() => { connections = 0; });

  const start = (firstPingSeconds: number) =>
    startRelay(validateConfig({ role: 'relay', dataDir, listen: '127.0.0.1:0', log: { level: 'warn' } }), { pingSeconds: 600, firstPingSeconds });

  it('answers the first status question at once ("unknown"), then calls the gateway', async () => {
    const relay = await start(600);
    try {
      assert.equal(connections, 0, 'no gateway call before anybody asked');
      const health = await (await fetch(`${relay.url}/api/v1/health`)).json() as { gateway: { state: string } };
      assert.equal(health.gateway.state, 'unknown');
      await until('the question started the first gateway call', () => connections > 0);
      await until('the status reports what the call found', () => relay.status().gateway.state === 'unreachable');
    } finally { await relay.close(); }
  });

  it('calls the gateway by itself when nobody asks', async () => {
    const relay = await start(0.05);
    try {
      await until('the first gateway call started without a question', () => connections > 0);
    } finally { await relay.close(); }
  });

  it('the credential provider\'s question waits for the first call\'s answer', async () => {
    const relay = await start(600);
    try {
      assert.equal(await relay.available(), false);
      assert.equal(connections > 0, true);
      assert.equal(relay.status().gateway.state, 'unreachable');
    } finally { await relay.close(); }
  });

  it('makes no gateway call after it was closed', async () => {
    const relay = await start(0.05);
    await relay.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(connections, 0);
  });
});
