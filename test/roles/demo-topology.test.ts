// `npm run demo` builds the organisation topology with the real commands (scripts/demo-topology.ts):
// gateway init, secret set, device token create, join --token-stdin --pin, then a gateway and a relay.
// This checks that topology against the shared test domain: the kiosk reaches the gateway through the
// relay, the portal API is on the gateway, and the gateway's config file holds no secret. (The full
// journeys through that topology are test/roles/gateway-relay.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { httpsJson, kioskCall } from '../support/https-json.js';
import { startDemoTopology, type DemoTopology } from '../../scripts/demo-topology.js';

describe('the demo topology (gateway + one joined relay, built with the real commands)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let smtp: SmtpCatcher;
  let t: DemoTopology;
  const user = { name: 'demotopo1', password: 'Demo-Topo-Start-7!', mail: 'demotopo1@mail.keyhatch.test' };

  before(async () => {
    d = await testDomain();
    const admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password, d.seed.service.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Demo Topo', mail: user.mail }, d.seed.peopleOu);
    await admin.close();
    smtp = await startSmtpCatcher();
    t = await startDemoTopology({
      dir: freshDir('demo-topology'),
      ad: { urls: [d.dc.ldapsUrl], baseDn: d.seed.peopleOu, bindDn: d.seed.service.upn, caFile: d.dc.caFile },
      bindPassword: d.seed.service.password, smtp: smtp.config, gatewayPort: 0, relayPort: 0,
    });
    rememberSecret(t.relay.kioskSecret);
  });
  after(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('the relay is joined (device certificate from the gateway\'s CA) and says available while the gateway answers', async () => {
    assert.equal(await t.relay.available(), true, JSON.stringify(t.relay.status()));
    const deviceId = t.relay.identity?.deviceId;
    assert.ok(deviceId);
    assert.ok((await t.gateway.registry.list()).some((x) => x.id === deviceId && x.name === 'demo-pc'));
    const health = await (await fetch(`${t.relay.url}/api/v1/health`)).json() as { status: string; role: string; gateway: { url?: string } };
    assert.deepEqual([health.status, health.role, health.gateway.url], ['ok', 'relay', t.gatewayUrl]);
  });

  it('the kiosk reaches the gateway through the relay (the kiosk URL carries the relay\'s secret)', async () => {
    const url = new URL(t.kioskUrl);
    assert.equal(url.origin, t.relay.url.replace('127.0.0.1', 'localhost'));
    assert.equal(url.hash, `#k=${t.relay.kioskSecret}`);
    const start = await kioskCall(t.relay.url, t.relay.kioskSecret, 'POST', '/api/v1/recovery', { username: user.name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    // Only the gateway can start a recovery: the relay has no recovery service (unjoined, it answers 503).
    assert.equal(typeof start.body.recoveryId, 'string');
    // Without the kiosk secret the relay refuses; the gateway never sees the call.
    assert.equal((await kioskCall(t.relay.url, 'wrong', 'POST', '/api/v1/recovery', { username: user.name })).status, 401);
  });

  it('the portal API is on the gateway (HTTPS, the demo\'s site CA), and no kiosk page is', async () => {
    const ca = readFileSync(t.caFile, 'utf8');
    assert.match(t.portalUrl, /^https:\/\/localhost:\d+\/portal\/$/);
    const login = await httpsJson('POST', `${t.gatewayUrl}/api/v1/enrollment/login`, { username: user.name, password: user.password }, { ca });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    rememberSecret(login.body.token as string);
    assert.equal((await httpsJson('GET', `${t.gatewayUrl}/kiosk/`, undefined, { ca })).status, 404);
  });

  it('the gateway\'s config file holds no secret: the service password is in its secret store', () => {
    const file = readFileSync(join(t.gatewayDataDir, 'gateway.json'), 'utf8');
    assert.ok(!file.includes(d.seed.service.password));
    assert.match(file, /"role": "gateway"/);
  });
});
