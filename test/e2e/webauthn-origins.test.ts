// A security key enrolled on the gateway's portal works at a workstation's kiosk (issue 10): the RP
// ID is the organisation's domain (here keyhatch.test), the portal is https://gw.keyhatch.test and
// the relay serves the kiosk as http://kiosk.keyhatch.test:<port>, a name the kiosk maps to loopback
// itself with the same Chromium switches the Electron kiosk appends (kiosk-ui policy.ts). Headless
// Chromium with one virtual authenticator; Samba AD DC behind the gateway; relay joined by token.
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adConfig } from '../support/ad-env.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startGateway, type RunningGateway } from '../../daemon/src/roles/gateway.js';
import { startRelay, type RunningRelay } from '../../daemon/src/roles/relay.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { joinGateway } from '../../daemon/src/relay/join.js';
import { loopbackAliasSwitches } from '../../kiosk-ui/src/electron/policy.js';
import { CHROMIUM, CHROMIUM_ARGS, addVirtualAuthenticator, checkStep, newContext } from './support/browser.js';
import { freePort } from '../support/free-port.js';

const RP_ID = 'keyhatch.test';
const PORTAL_HOST = 'gw.keyhatch.test';
const KIOSK_HOST = 'kiosk.keyhatch.test';

describe('WebAuthn across origins: enrolled on the gateway portal, used at a relay\'s kiosk (Chromium, Samba AD DC)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let gw: RunningGateway;
  let relay: RunningRelay;
  let browser: Browser;
  let page: Page;
  let portal: string;
  let kiosk: string;
  let relayPort: number;
  const user = { name: 'keyroamer', password: 'Key-Roamer-Start-5!', display: 'Kim Roamer' };

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: user.display }, d.seed.peopleOu);

    const [gwPort, rPort] = [await freePort(), await freePort()];
    relayPort = rPort;
    portal = `https://${PORTAL_HOST}:${gwPort}`;
    kiosk = `http://${KIOSK_HOST}:${relayPort}`;
    const gwDir = freshDir('gateway');
    const site = await initSiteCa(join(gwDir, 'tls'), [PORTAL_HOST, '127.0.0.1']);
    const base = JSON.parse(JSON.stringify(adConfig(d, {}, gwDir)));
    gw = await startGateway(validateConfig({
      ...base, role: 'gateway', listen: `127.0.0.1:${gwPort}`, tls: { certFile: site.certFile, keyFile: site.keyFile },
      http: { allowedHosts: [PORTAL_HOST] },
      webauthn: { rpId: RP_ID, origins: [portal], kioskOrigins: [kiosk] },
    }));

    const relayDir = freshDir('relay');
    const token = await createJoinToken(gw.services.store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: Date.now() });
    rememberSecret(token.token);
    await joinGateway({ url: gw.url, token: token.token, pin: site.caPin, dataDir: relayDir, name: 'pc-webauthn' });
    relay = await startRelay(validateConfig({
      role: 'relay', dataDir: relayDir, listen: `127.0.0.1:${relayPort}`, log: { level: 'debug' }, gateway: { pin: site.caPin },
      kiosk: { hostName: KIOSK_HOST }, // served without http.allowedHosts
    }));
    rememberSecret(relay.kioskSecret);

    // The kiosk's own switches, plus what an organisation's DNS and trusted CA give the portal's browser.
    const spki = createHash('sha256').update(new X509Certificate(readFileSync(site.certFile)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    const kioskSwitches = loopbackAliasSwitches(kiosk);
    const rules = [`MAP ${PORTAL_HOST} 127.0.0.1`, ...kioskSwitches.filter(([k]) => k === 'host-resolver-rules').map(([, v]) => v)].join(',');
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=${rules}`, `--ignore-certificate-errors-spki-list=${spki}`,
        ...kioskSwitches.filter(([k]) => k !== 'host-resolver-rules').map(([k, v]) => `--${k}=${v}`)],
    });
    page = await (await newContext(browser)).newPage();
  });
  after(async () => {
    await browser?.close();
    await relay?.close();
    await gw?.close();
    await admin?.close();
  });

  const step = (s: string) => page.locator(`#view[data-step="${s}"]`).waitFor({ timeout: 60_000 });

  it('the kiosk switches map only the kiosk name to loopback and treat that one origin as secure', () => {
    assert.deepEqual(loopbackAliasSwitches(kiosk), [['host-resolver-rules', `MAP ${KIOSK_HOST} 127.0.0.1`], ['unsafely-treat-insecure-origin-as-secure', kiosk]]);
    assert.deepEqual(loopbackAliasSwitches(`http://localhost:${relayPort}`), []);
  });

  it('enrolls a security key on the portal at https://gw.keyhatch.test (RP ID keyhatch.test)', async () => {
    const key = await addVirtualAuthenticator(page);
    await page.goto(`${portal}/portal/`);
    await step('login');
    await page.fill('#username', user.name);
    await page.fill('#password', user.password);
    await page.click('button[type=submit]');
    await step('methods');
    await page.click('[data-add=webauthn]');
    await step('add-webauthn');
    await page.click('#add-panel button.primary');
    await page.locator('#notice').waitFor();
    const creds = await key.credentials() as Array<{ rpId: string }>;
    assert.equal(creds.length, 1);
    assert.equal(creds[0]?.rpId, RP_ID);
    await page.click('text=Sign out');
    await step('login');
  });

  it('the same key verifies at the relay\'s kiosk served as http://kiosk.keyhatch.test (through the gateway)', async () => {
    await page.goto(`${kiosk}/kiosk/#k=${relay.kioskSecret}`);
    await step('who');
    assert.equal(await page.evaluate(() => window.isSecureContext), true, 'the mapped kiosk origin is a secure context');
    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await step('method');
    await page.click('[data-factor=webauthn]');
    await step('verify');
    await page.click('#view button[type=submit]');
    await checkStep(page, 'webauthn-origins-kiosk-verified', 'action');
  });

  it('at http://localhost (the loopback origin without the name) the browser refuses the key: why kiosk.hostName exists', async () => {
    await page.goto(`http://localhost:${relayPort}/kiosk/#k=${relay.kioskSecret}`);
    await step('who');
    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await step('method');
    await page.click('[data-factor=webauthn]');
    await step('verify');
    await page.click('#view button[type=submit]');
    await page.locator('#error', { hasText: 'The security key was not accepted' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#view').getAttribute('data-step'), 'verify', 'not verified');
    // The refusal is the browser's, before any request: RP ID keyhatch.test is not this page's domain.
    const refusal = await page.evaluate(async (rpId) => {
      try {
        await navigator.credentials.get({ publicKey: { rpId, challenge: new Uint8Array(32), timeout: 5000 } });
        return 'resolved';
      } catch (err) { return (err as Error).name; }
    }, RP_ID);
    assert.equal(refusal, 'SecurityError');
  });
});
