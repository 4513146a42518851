// The relay's gateway client under more concurrent calls than it has sockets: a request queued
// behind busy sockets must not be failed as "connect timeout" (it never started connecting), and a
// freed socket handed to a queued request must not collect a handshake listener per request.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayClient } from '../../daemon/src/relay/gateway-client.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';

describe('relay gateway client: queued requests', function () {
  this.timeout(60_000);
  const CONNECT_TIMEOUT_MS = 1_500;
  let server: Server;
  let url: string;
  let client: GatewayClient;
  const held: Array<() => void> = [];
  let arrived = 0;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyhatch-gwclient-'));
    const site = await initSiteCa(join(dir, 'site'), ['127.0.0.1']);
    const cert = readFileSync(site.certFile, 'utf8');
    const key = readFileSync(site.keyFile, 'utf8');
    // Holds every answer until the test releases it: the first requests keep all sockets busy for
    // longer than the connect timeout, so the ones queued behind them wait that long for a socket.
    server = createServer({ cert, key }, (req, res) => {
      arrived++;
      req.resume();
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    client = new GatewayClient({
      identity: { deviceId: 'd', certPem: cert, keyPem: key, gatewayChainPem: readFileSync(site.caFile, 'utf8'), urls: [url] },
      urls: [url], connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    process.on('warning', onWarning);
  });
  after(() => { process.off('warning', onWarning); client.close(); server.close(); });

  it('100 calls at once on 16 sockets all succeed although most wait longer than the connect timeout for a socket', async () => {
    const calls = Array.from({ length: 100 }, () => client.send('GET', '/api/v1/relay/ping', {}).then((r) => r.status, (e: Error & { code?: string }) => e.code ?? e.message));
    // Release answers in rounds, each after more than the connect timeout: queued requests wait
    // several timeouts in all before they get a socket.
    let done = false;
    void Promise.all(calls).then(() => { done = true; });
    while (!done) {
      await new Promise((r) => setTimeout(r, CONNECT_TIMEOUT_MS * 1.5));
      for (const release of held.splice(0)) release();
    }
    const outcomes = await Promise.all(calls);
    const failed = outcomes.filter((o) => o !== 200);
    assert.deepEqual(failed, [], `failed calls: ${failed.length}`);
    assert.equal(arrived, 100);
    assert.equal(client.status().state, 'ok');
    const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
    assert.deepEqual(leaks.map((w) => w.message), []);
  });
});
