// Caller verification with a security key (issue 12), end to end on a real gateway (Samba AD DC,
// SMTP catcher, HTTPS): the caller enrolls a key on the portal in Chromium (virtual CTAP2
// authenticator); the agent, in the admin console in another browser, picks that key; the link
// arrives at the caller's own address; the caller's browser opens it and uses the key; the agent's
// console (polling) shows "verified" and the unlock works (kinit). A wrong key, a used link, an
// expired link, a replaced link and another agent's session never verify; all of it is audited.
import assert from 'node:assert/strict';
import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { buildAdminUi } from '../../admin-ui/build.js';
import { buildKioskUi } from '../../kiosk-ui/build.js';
import { logDir } from '../../daemon/src/core/core-services.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { httpsJson } from '../support/https-json.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { CHROMIUM, CHROMIUM_ARGS, addVirtualAuthenticator, checkStep, newContext } from '../e2e/support/browser.js';
import { auditTrail, consoleWorld, type ConsoleClient, type ConsoleWorld } from './console-setup.js';

const LINK = /(https:\/\/[^\s/]+\/caller-check\/#t=([A-Za-z0-9_-]{43}))/;
type Factor = { id: string; type: string; hint: string; canVerify: boolean };

/** An assertion a browser never made: signed by a key the test just generated (not the enrolled one). */
function forgedAssertion(o: { credentialId: string; challenge: string; origin: string; rpId: string }): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(1000);
  const authData = Buffer.concat([createHash('sha256').update(o.rpId).digest(), Buffer.from([0x05]), counter]); // UP + UV
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: o.challenge, origin: o.origin, crossOrigin: false }));
  const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), privateKey);
  return {
    id: o.credentialId, rawId: o.credentialId, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'cross-platform',
    response: { clientDataJSON: clientData.toString('base64url'), authenticatorData: authData.toString('base64url'), signature: signature.toString('base64url') },
  };
}

describe('caller verification with a security key on a link the user opens (gateway, Samba AD DC, SMTP, Chromium)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let smtp: SmtpCatcher;
  let w: ConsoleWorld;
  let browser: Browser;
  let portal: string;
  let userPage: Page;
  const contexts: BrowserContext[] = [];

  const audited = (pred: (e: Record<string, any>) => boolean, what: string) => auditTrail(w).audited(pred, what);
  const linkApi = (path: string, body: unknown) => httpsJson('POST', `${w.gw.url}/api/v1/caller-check/${path}`, body, { ca: w.ca });

  async function page(): Promise<Page> {
    const ctx = await newContext(browser);
    contexts.push(ctx);
    return ctx.newPage();
  }

  async function signedInAgent(): Promise<ConsoleClient> {
    const c = w.client();
    assert.equal((await c.signIn(w.users.agent.name, w.users.agent.password)).status, 200);
    return c;
  }

  /** Looks the caller up and starts a key check; returns the ref and the link that reached the caller's mailbox. */
  async function startKeyCheck(c: ConsoleClient): Promise<{ ref: string; url: string; token: string; start: any }> {
    const look = await c.call('POST', '/users/lookup', { name: w.users.caller.name });
    assert.equal(look.status, 200, JSON.stringify(look.body));
    const key = (look.body.factors as Factor[]).find((f) => f.type === 'webauthn');
    assert.ok(key?.canVerify, JSON.stringify(look.body.factors));
    const before = smtp.messages().length;
    const start = await c.call('POST', `/users/${look.body.ref as string}/verify`, { factorId: key.id });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const { match, mail } = await smtp.waitFor(w.users.caller.mail, LINK, 30_000, before);
    assert.deepEqual(mail.to, [w.users.caller.mail], 'the link goes to the caller\'s own address only');
    rememberSecret(match[2] as string);
    return { ref: look.body.ref as string, url: match[1] as string, token: match[2] as string, start: start.body };
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    smtp = await startSmtpCatcher();
    const uiDir = freshDir('kiosk-ui');
    const adminUiDir = freshDir('admin-ui');
    await buildKioskUi(uiDir);
    await buildAdminUi(adminUiDir);
    w = await consoleWorld(d, smtp, 'ck', { uiDir, adminUiDir });
    portal = w.gw.services.webauthnSettings.origins[0] as string;
    assert.match(portal, /^https:\/\/localhost:\d+$/);
    // WebAuthn refuses pages with certificate errors: trust the gateway's own certificate by its key, as an organisation's CA would.
    const cert = new X509Certificate(readFileSync(w.gw.core.config.tls?.certFile as string));
    const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spki}`] });

    // The caller enrolls a security key on the portal, in their own browser.
    userPage = await page();
    const key = await addVirtualAuthenticator(userPage);
    const enroll = async (u: { name: string; password: string }) => {
      await userPage.goto(`${portal}/portal/`);
      await userPage.locator('#view[data-step="login"]').waitFor({ timeout: 60_000 });
      await userPage.fill('#username', u.name);
      await userPage.fill('#password', u.password);
      await userPage.click('button[type=submit]');
      await userPage.locator('#view[data-step="methods"]').waitFor({ timeout: 60_000 });
      await userPage.click('[data-add=webauthn]');
      await userPage.click('#add-panel button.primary');
      await userPage.locator('#notice').waitFor({ timeout: 60_000 });
      await userPage.click('text=Sign out');
    };
    await enroll(w.users.caller);
    // caller2 (authenticator app only) gets a key too, but has no e-mail or phone to receive a link.
    await enroll(w.users.caller2);
    assert.equal((await key.credentials()).length, 2);
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await w?.close();
    await smtp?.close();
  });

  it('refuses a key check for a user with no enrolled e-mail or phone: the agent never gets the link', async () => {
    const c = await signedInAgent();
    const look = await c.call('POST', '/users/lookup', { name: w.users.caller2.name });
    const key = (look.body.factors as Factor[]).find((f) => f.type === 'webauthn');
    assert.ok(key?.canVerify);
    const before = smtp.messages().length;
    const r = await c.call('POST', `/users/${look.body.ref as string}/verify`, { factorId: key.id });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'CALLER_NO_CHANNEL');
    assert.equal((await c.call('GET', `/users/${look.body.ref as string}`)).body.caller.pending, undefined, 'nothing pending');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(smtp.messages().length, before, 'no message went anywhere');
  });

  it('the agent picks the key in the console; the caller opens the link and uses it; the console shows "verified" by itself and unlock works', async () => {
    await w.admin.lockOut(w.users.caller.dn);
    assert.equal((await d.dc.kinit(w.users.caller.name, w.users.caller.password)).ok, false, 'locked out');

    const agentPage = await page();
    await agentPage.goto(`${w.gw.url.replace('127.0.0.1', 'localhost')}/admin/`);
    await agentPage.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
    await agentPage.fill('#username', w.users.agent.name);
    await agentPage.fill('#password', w.users.agent.password);
    await agentPage.click('#sign-in');
    await agentPage.locator('#view[data-page="caller"]').waitFor({ timeout: 60_000 });
    await agentPage.fill('#caller-name', w.users.caller.name);
    await agentPage.press('#caller-name', 'Enter');
    await agentPage.locator('#caller-detail').waitFor({ timeout: 60_000 });
    for (const b of ['#do-unlock', '#do-code', '#do-reset']) assert.equal(await agentPage.locator(b).isDisabled(), true, b);
    const before = smtp.messages().length;
    await agentPage.click('[data-verify="webauthn"]');
    await agentPage.locator('#verify-wait[data-opened="false"]').waitFor({ timeout: 60_000 });
    assert.match(await agentPage.locator('#verify-ask').textContent() ?? '', /A link was sent to .*•••/);
    await checkStep(agentPage, 'caller-key-waiting');

    const { match, mail } = await smtp.waitFor(w.users.caller.mail, LINK, 30_000, before);
    assert.deepEqual(mail.to, [w.users.caller.mail]);
    assert.match(mail.subject, /confirm it is you/);
    const [url, token] = [match[1] as string, match[2] as string];
    rememberSecret(token);
    assert.ok(url.startsWith(`${portal}/caller-check/#t=`), url);
    assert.ok(!readFileSync(join(logDir(w.gw.core.config), 'audit.log'), 'utf8').includes(token), 'the token is not in the audit');

    await userPage.goto(url);
    await userPage.locator('#view[data-step="ready"]').waitFor({ timeout: 60_000 });
    assert.ok(!userPage.url().includes(token), 'the token left the address bar');
    await checkStep(userPage, 'caller-key-ready');
    // The console learns that the link was opened.
    await agentPage.locator('#verify-wait[data-opened="true"]').waitFor({ timeout: 60_000 });
    await userPage.click('#use-key');
    await userPage.locator('#view[data-step="done"]').waitFor({ timeout: 60_000 });
    await checkStep(userPage, 'caller-key-done');

    await agentPage.locator('#verdict[data-verified="true"]').waitFor({ timeout: 60_000 });
    assert.match(await agentPage.locator('#verdict').textContent() ?? '', /Verified: the caller is Cleo Caller \(checked with Security key\)/);
    await checkStep(agentPage, 'caller-key-verified');
    await agentPage.click('#do-unlock');
    await agentPage.locator('#action-result').waitFor({ timeout: 60_000 });
    assert.equal(await agentPage.locator('#action-result').textContent(), 'The account is unlocked.');
    const k = await d.dc.kinit(w.users.caller.name, w.users.caller.password);
    assert.equal(k.ok, true, k.message);

    const ok = await audited((e) => e.action === 'console.caller-verify' && e.result === 'success' && e.details?.method === 'webauthn', 'key verification audited');
    assert.equal(ok.actor, `console:${w.users.agent.name}`);
    assert.equal(ok.target, w.users.caller.name);
    assert.equal(ok.details.via, 'link');
    await audited((e) => e.action === 'console.unlock' && e.result === 'success' && e.target === w.users.caller.name && e.actor === `console:${w.users.agent.name}`, 'unlock audited');

    // The link is used up: the page says so, and the API answers the same for a replay.
    await userPage.goto(url);
    await userPage.locator('#view[data-step="invalid"]').waitFor({ timeout: 60_000 });
    assert.match(await userPage.locator('#invalid').textContent() ?? '', /not valid any more/);
    await checkStep(userPage, 'caller-key-used-link');
    const again = await linkApi('options', { token });
    assert.equal(again.status, 410);
    assert.equal(again.body.error.code, 'CALLER_LINK_INVALID');
  });

  it('a wrong key never verifies: the browser has no such key, a forged assertion is rejected, the link is used up, actions stay refused', async () => {
    const c = await signedInAgent();
    const { ref, url, token, start } = await startKeyCheck(c);
    assert.equal(start.verified, false);
    assert.match(start.sentTo as string, /•••/, 'masked hint of where the link went');
    assert.ok(!JSON.stringify(start).includes(w.users.caller.mail), 'never the full address');

    // Another browser, another (empty) security key: the browser finds no matching credential.
    const other = await page();
    await addVirtualAuthenticator(other);
    await other.goto(url);
    await other.locator('#view[data-step="ready"]').waitFor({ timeout: 60_000 });
    await other.click('#use-key');
    await other.locator('#error', { hasText: 'The security key was not accepted' }).waitFor({ timeout: 90_000 });
    assert.equal(await other.locator('#view').getAttribute('data-step'), 'ready', 'the user may try again with the right key');
    assert.equal((await c.call('GET', `/users/${ref}`)).body.caller.verified, false);

    // An assertion for the caller's credential id, signed by another key: the gateway rejects it.
    const opts = await linkApi('options', { token });
    assert.equal(opts.status, 200, JSON.stringify(opts.body));
    const credentialId = opts.body.publicKey.allowCredentials[0].id as string;
    assert.equal(opts.body.publicKey.allowCredentials.length, 1, 'exactly the key the agent chose');
    const forged = forgedAssertion({ credentialId, challenge: opts.body.publicKey.challenge, origin: portal, rpId: 'localhost' });
    const bad = await linkApi('verify', { token, response: forged });
    assert.equal(bad.status, 401, JSON.stringify(bad.body));
    assert.equal(bad.body.error.code, 'VERIFICATION_FAILED');
    const st = (await c.call('GET', `/users/${ref}`)).body.caller;
    assert.equal(st.verified, false);
    assert.deepEqual(st.failed, { type: 'webauthn', reason: 'rejected' });
    assert.equal(st.pending, undefined);
    for (const action of ['unlock', 'helpdesk-code', 'reset-enrollment']) {
      assert.equal((await c.call('POST', `/users/${ref}/${action}`, {})).body.error.code, 'CALLER_NOT_VERIFIED', action);
    }
    // One try per link: even the real key cannot use it now.
    assert.equal((await linkApi('options', { token })).body.error.code, 'CALLER_LINK_INVALID');
    await userPage.goto(url);
    await userPage.locator('#view[data-step="invalid"]').waitFor({ timeout: 60_000 });

    // A fresh link, and an assertion from a credential that is not the caller's.
    const second = await startKeyCheck(c);
    const o2 = await linkApi('options', { token: second.token });
    const foreign = forgedAssertion({ credentialId: randomBytes(32).toString('base64url'), challenge: o2.body.publicKey.challenge, origin: portal, rpId: 'localhost' });
    assert.equal((await linkApi('verify', { token: second.token, response: foreign })).body.error.code, 'VERIFICATION_FAILED');
    assert.equal((await c.call('POST', `/users/${second.ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && e.reason === 'VERIFICATION_FAILED' && e.details?.method === 'webauthn' && e.actor === `console:${w.users.agent.name}`, 'rejected key audited');
  });

  it('an expired link shows a clear page, and the console says the link lapsed', async () => {
    const c = await signedInAgent();
    const { ref, url, token } = await startKeyCheck(c);
    w.offset.ms += (w.gw.core.config.recovery.codeSeconds + 5) * 1000;
    try {
      const st = (await c.call('GET', `/users/${ref}`)).body.caller;
      assert.equal(st.verified, false);
      assert.equal(st.pending, undefined);
      assert.deepEqual(st.failed, { type: 'webauthn', reason: 'expired' });
      await userPage.goto(url);
      await userPage.locator('#view[data-step="invalid"]').waitFor({ timeout: 60_000 });
      assert.match(await userPage.locator('#invalid').textContent() ?? '', /not valid any more/);
      const r = await linkApi('options', { token });
      assert.equal(r.status, 410);
      assert.equal((await c.call('POST', `/users/${ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    } finally { w.offset.ms -= (w.gw.core.config.recovery.codeSeconds + 5) * 1000; }
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && e.reason === 'CALLER_LINK_INVALID', 'expired link audited');
  });

  it('a link verifies only the console session that sent it; a newer check replaces an older link', async () => {
    const a = await signedInAgent();
    const b = await signedInAgent();
    const fromB = await startKeyCheck(b);
    const fromA = await startKeyCheck(a);
    // The caller completes B's link: B's session is verified, A's is not.
    await userPage.goto(fromB.url);
    await userPage.locator('#view[data-step="ready"]').waitFor({ timeout: 60_000 });
    await userPage.click('#use-key');
    await userPage.locator('#view[data-step="done"]').waitFor({ timeout: 60_000 });
    const sb = (await b.call('GET', `/users/${fromB.ref}`)).body.caller;
    assert.equal(sb.verified, true, JSON.stringify(sb));
    assert.equal(sb.verifiedWith, 'webauthn');
    const sa = (await a.call('GET', `/users/${fromA.ref}`)).body.caller;
    assert.equal(sa.verified, false, 'another session\'s link does not verify this one');
    assert.equal(sa.pending?.type, 'webauthn', 'A still waits for its own link');
    assert.equal((await a.call('POST', `/users/${fromA.ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    // A starts over: its first link is dead, even though it never expired.
    const newer = await startKeyCheck(a);
    assert.equal((await linkApi('options', { token: fromA.token })).body.error.code, 'CALLER_LINK_INVALID');
    // A signs out: its pending link dies with the session.
    assert.equal((await a.call('POST', '/session/end', {})).status, 204);
    assert.equal((await linkApi('options', { token: newer.token })).body.error.code, 'CALLER_LINK_INVALID');
    // A made-up or malformed token gets the very same answer.
    for (const t of [randomBytes(32).toString('base64url'), 'x', '../../etc']) {
      const r = await linkApi('options', { token: t });
      assert.equal(r.status, 410, t);
      assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'message']);
      assert.equal(r.body.error.code, 'CALLER_LINK_INVALID');
    }
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && e.reason === 'CALLER_LINK_INVALID' && e.details?.why === 'unknown, used or expired link', 'the replaced link (deleted when A started over) audited');
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && e.reason === 'CALLER_LINK_INVALID' && /session ended/.test(String(e.details?.why)), 'ended session audited');
  });

  it('a link without its token says so, in each of the five languages, with no accessibility or CSP violation', async () => {
    const p = await page();
    const expected: Record<string, RegExp> = { en: /incomplete/, de: /unvollständig/, fr: /incomplet/, es: /incompleto/, nl: /onvolledig/ };
    for (const [lang, text] of Object.entries(expected)) {
      await p.goto(`${portal}/caller-check/?lang=${lang}`);
      await p.locator('#view[data-step="invalid"]').waitFor({ timeout: 60_000 });
      assert.equal(await p.getAttribute('html', 'lang'), lang);
      assert.match(await p.locator('#invalid').textContent() ?? '', text, lang);
      await checkStep(p, `caller-key-no-token-${lang}`);
    }
  });

  it('a key check has no code to type: confirm is refused without ending it', async () => {
    const c = await signedInAgent();
    const { ref } = await startKeyCheck(c);
    const r = await c.call('POST', `/users/${ref}/verify/confirm`, { code: '123456' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'FACTOR_UNAVAILABLE');
    assert.equal((await c.call('GET', `/users/${ref}`)).body.caller.pending?.type, 'webauthn');
  });

  it('the agent\'s Cancel ends a key check on the server: the link no longer works', async () => {
    const c = await signedInAgent();
    const { ref, token } = await startKeyCheck(c);
    assert.equal((await linkApi('options', { token })).status, 200);
    const r = await c.call('POST', `/users/${ref}/verify/cancel`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.pending, undefined);
    assert.equal(r.body.verified, false);
    assert.equal((await linkApi('options', { token })).body.error.code, 'CALLER_LINK_INVALID');
    await audited((e) => e.action === 'console.caller-verify' && e.reason === 'cancelled' && e.details?.method === 'webauthn', 'cancel audited');
  });
});
