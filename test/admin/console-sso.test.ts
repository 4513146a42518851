// Console single sign-on with real Kerberos (Samba AD DC, MIT krb5 clients): a service account holding
// HTTP/gw.keyhatch.test (and HTTP/other.keyhatch.test, same key) with its keytab exported by samba-tool,
// tickets from kinit, Negotiate tokens from curl's GSS-API and from headless Chromium. Same groups, same
// session and the same audit as password sign-in; every refused token is a 4xx catalogue code; tokens
// never reach a log.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildAdminUi } from '../../admin-ui/build.js';
import { logDir } from '../../daemon/src/core/core-services.js';
import { runDoctor } from '../../daemon/src/core/doctor.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/support/browser.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { clientKrb5Conf, curlNegotiateSignIn, httpServiceAccount, kinitCache, negotiateToken, requireCurlNegotiate, type KerberosClientEnv } from '../support/kerberos-http.js';
import { freshDir } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { auditTrail, consoleWorld, type ConsoleClient, type ConsoleWorld, type Reply } from './console-setup.js';

const HOST = 'gw.keyhatch.test';

describe('admin console single sign-on (Negotiate / Kerberos, Samba AD DC, curl, Chromium)', function () {
  this.timeout(240_000);
  let d: TestDomain;
  let smtp: SmtpCatcher;
  let w: ConsoleWorld;
  let krb5: string;
  let klist: string;
  const env: Partial<Record<'kadmin' | 'agent' | 'plain', KerberosClientEnv>> = {};
  const tokens: string[] = [];

  const audited = (pred: (e: Record<string, any>) => boolean, what: string) => auditTrail(w).audited(pred, what);
  const token = async (who: 'kadmin' | 'agent' | 'plain', host = HOST) => { const t = await negotiateToken(env[who] as KerberosClientEnv, host); tokens.push(t); return t; };
  async function ssoSignIn(c: ConsoleClient, authorization?: string): Promise<Reply> {
    c.csrf = (await c.call('GET', '/session')).body.csrf as string;
    const r = await c.call('POST', '/session/negotiate', {}, authorization ? { authorization } : {});
    if (r.status === 200) c.csrf = r.body.csrf as string;
    return r;
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    await requireCurlNegotiate();
    d = await testDomain();
    smtp = await startSmtpCatcher();
    const admin = await DomainAdmin.connect(d.dc);
    try {
      const svc = await httpServiceAccount(d.dc, admin, d.seed.peopleOu, 'sso-http-svc', [`HTTP/${HOST}`, 'HTTP/other.keyhatch.test']);
      await chmod(svc.keytabFile, 0o600);
      klist = svc.klist;
      const adminUiDir = freshDir('admin-ui');
      await buildAdminUi(adminUiDir);
      w = await consoleWorld(d, smtp, 'ss', { adminUiDir, hostName: HOST, negotiate: { keytabFile: svc.keytabFile, servicePrincipal: `HTTP/${HOST}@${d.dc.realm}` } });
    } finally { await admin.close(); }
    krb5 = await clientKrb5Conf(d.dc);
    for (const who of ['kadmin', 'agent', 'plain'] as const) env[who] = await kinitCache(d.dc, krb5, w.users[who].name, w.users[who].password);
  });
  after(async () => {
    await w?.close();
    await smtp?.close();
  });

  it('exports a keytab with AES keys for the SPN; doctor lists them and GET /session says SSO is on', async () => {
    assert.match(klist, new RegExp(`HTTP/${HOST}@${d.dc.realm} \\(aes256-cts-hmac-sha1-96\\)`), klist);
    const check = (await runDoctor(w.gw.core, 'test')).find((c) => c.name === 'console single sign-on');
    assert.equal(check?.ok, true, JSON.stringify(check));
    assert.match(check?.detail ?? '', new RegExp(`HTTP/${HOST}@${d.dc.realm}: etype 18 kvno \\d+`));
    const r = await w.client().call('GET', '/session');
    assert.equal(r.body.negotiate, true);
  });

  it('answers a request without a token with the Negotiate challenge', async () => {
    const r = await ssoSignIn(w.client());
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers['www-authenticate'], 'Negotiate');
    assert.equal(r.body.error.code, 'UNAUTHORIZED');
  });

  it('signs an admin in end to end with curl --negotiate (the gateway challenges, curl answers with a real ticket)', async () => {
    const c = w.client();
    const pre = await c.call('GET', '/session');
    const r = await curlNegotiateSignIn(env.kadmin as KerberosClientEnv, w.gw.url, HOST, w.ca, { cookie: `__Host-keyhatch-csrf=${c.cookies.get('__Host-keyhatch-csrf') as string}`, token: pre.body.csrf as string });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.role, 'admin');
    assert.equal(r.body.user.name, w.users.kadmin.name);
    await audited((e) => e.action === 'console.sign-in' && e.actor === w.users.kadmin.name && e.result === 'success' && e.details?.method === 'negotiate' && e.details?.role === 'admin', 'admin SSO audited');
  });

  it('gives an admin an admin session and a help-desk agent a help-desk session, with the same cookies and CSRF', async () => {
    const a = w.client();
    const r = await ssoSignIn(a, `Negotiate ${await token('kadmin')}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.role, 'admin');
    const sc = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((x) => x.startsWith('__Host-keyhatch-admin='));
    assert.ok(sc, 'session cookie set');
    for (const flag of ['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/']) assert.match(sc, new RegExp(flag));
    assert.equal((await a.call('GET', '/devices')).status, 200, 'an admin page');
    assert.equal((await a.call('POST', '/users/lookup', { name: w.users.caller.name }, { 'x-keyhatch-csrf': 'wrong' })).body.error.code, 'CSRF_FAILED');

    const h = w.client();
    const hr = await ssoSignIn(h, `Negotiate ${await token('agent')}`);
    assert.equal(hr.status, 200, hr.text);
    assert.equal(hr.body.user.role, 'helpdesk');
    assert.equal((await h.call('GET', '/devices')).status, 403);
    assert.equal((await h.call('POST', '/users/lookup', { name: w.users.caller.name })).status, 200);
    await audited((e) => e.action === 'console.sign-in' && e.actor === w.users.agent.name && e.result === 'success' && e.details?.method === 'negotiate' && e.details?.role === 'helpdesk', 'agent SSO audited');
  });

  it('refuses a member of neither group with FORBIDDEN, audited, and no session', async () => {
    const c = w.client();
    const r = await ssoSignIn(c, `Negotiate ${await token('plain')}`);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.error.code, 'FORBIDDEN');
    assert.equal(c.cookies.has('__Host-keyhatch-admin'), false);
    await audited((e) => e.action === 'console.sign-in' && e.actor === w.users.plain.name && e.result === 'refused' && e.reason === 'FORBIDDEN' && e.details?.method === 'negotiate', 'non-member refused');
  });

  it('refuses a ticket for another SPN of the same account (same key), naming it in the audit', async () => {
    const r = await ssoSignIn(w.client(), `Negotiate ${await token('kadmin', 'other.keyhatch.test')}`);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error.code, 'NEGOTIATE_FAILED');
    assert.equal(r.headers['www-authenticate'], undefined, 'no new challenge: the browser must not loop');
    await audited((e) => e.action === 'console.sign-in' && e.result === 'refused' && e.reason === 'NEGOTIATE_FAILED' && /HTTP\/other\.keyhatch\.test@KEYHATCH\.TEST, not this service/.test(e.details?.why ?? ''), 'other SPN audited');
  });

  it('refuses a replayed token, and a tampered one', async () => {
    const t = await token('kadmin');
    assert.equal((await ssoSignIn(w.client(), `Negotiate ${t}`)).status, 200);
    const again = await ssoSignIn(w.client(), `Negotiate ${t}`);
    assert.equal(again.status, 401, again.text);
    assert.equal(again.body.error.code, 'NEGOTIATE_FAILED');
    await audited((e) => e.action === 'console.sign-in' && e.reason === 'NEGOTIATE_FAILED' && e.details?.why === 'replayed authenticator', 'replay audited');
    for (const fromEnd of [3, 60]) {
      const raw = Buffer.from(await token('kadmin'), 'base64');
      const at = raw.length - fromEnd;
      raw[at] = (raw[at] as number) ^ 0x01;
      const r = await ssoSignIn(w.client(), `Negotiate ${raw.toString('base64')}`);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error.code, 'NEGOTIATE_FAILED');
    }
  });

  it('answers garbage, truncated and oversized tokens with a 4xx catalogue code, never 5xx', async () => {
    const real = await token('kadmin');
    const cases = ['!!!not-base64', Buffer.from('NTLMSSP\0\x01\0\0\0junk').toString('base64'), real.slice(0, 40), real.slice(0, real.length - 12),
      Buffer.from(real, 'base64').subarray(0, 100).toString('base64'), 'A'.repeat(12_000), 'YII='];
    for (const t of cases) {
      const r = await ssoSignIn(w.client(), `Negotiate ${t}`);
      assert.equal(r.status, 400, `${t.slice(0, 30)}: ${r.text}`);
      assert.equal(r.body.error.code, 'NEGOTIATE_MALFORMED');
    }
    const huge = await ssoSignIn(w.client(), `Negotiate ${'A'.repeat(70_000)}`);
    assert.ok(huge.status >= 400 && huge.status < 500, `oversized: ${huge.status}`);
    assert.ok(huge.body?.error?.code, 'a catalogue code');
    const basic = await ssoSignIn(w.client(), 'Basic dXNlcjpwYXNz');
    assert.equal(basic.status, 401);
    assert.equal(basic.headers['www-authenticate'], 'Negotiate');
  });

  it('signs an admin in from Chromium by itself (allow-listed host, kinit cache) and falls back to the password form elsewhere', async () => {
    const port = new URL(w.gw.url).port;
    const ssoSuccesses = () => auditTrail(w).events().filter((e) => e.action === 'console.sign-in' && e.actor === w.users.kadmin.name && e.result === 'success' && e.details?.method === 'negotiate').length;
    const before = ssoSuccesses();
    // A persistent (ordinary) profile: Chromium never uses ambient credentials in off-the-record
    // contexts, which is what browser.newContext() makes (policy AmbientAuthenticationInPrivateModesEnabled).
    // The SPN must come from the URL's host, not from what the host rule resolves it to (an address):
    // the local-state preference behind the DisableAuthNegotiateCnameLookup policy says so.
    const launch = (allow: boolean): Promise<BrowserContext> => {
      const profile = freshDir('chromium-profile');
      writeFileSync(join(profile, 'Local State'), JSON.stringify({ auth: { disable_negotiate_cname_lookup: true } }));
      return chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, ignoreHTTPSErrors: true, locale: 'en-US',
        args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`, ...(allow ? [`--auth-server-allowlist=${HOST}`] : [])],
        env: { ...process.env, ...(env.kadmin as KerberosClientEnv) },
      });
    };
    for (const allow of [true, false]) {
      const ctx = await launch(allow);
      try {
        const page = await ctx.newPage();
        await page.goto(`https://${HOST}:${port}/admin/`);
        await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
        if (allow) {
          await page.locator('#view[data-page="caller"]').waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
            const tried = auditTrail(w).events().filter((e) => e.action === 'console.sign-in').slice(-2);
            assert.fail(`no SSO from Chromium (${String(err)}); page ${await page.locator('#view').getAttribute('data-page')}, error ${await page.locator('#error').textContent()}; last sign-ins ${JSON.stringify(tried)}`);
          });
          assert.match(await page.locator('#user').textContent() ?? '', /Kim Admin/);
          assert.equal(await page.locator('#nav').isHidden(), false);
        } else {
          await page.locator('#view[data-page="sign-in"]').waitFor({ timeout: 30_000 });
          assert.equal(await page.locator('#error').textContent(), '', 'no error: the browser simply offered no ticket');
        }
      } finally { await ctx.close(); }
    }
    for (let i = 0; i < 50 && ssoSuccesses() === before; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ssoSuccesses(), before + 1, 'the allow-listed browser signed in once, audited as negotiate');
  });

  it('never writes a token to any log of the gateway', () => {
    assert.ok(tokens.length >= 8, `${tokens.length} tokens used`);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => { const p = join(dir, n); return statSync(p).isDirectory() ? files(p) : [p]; });
    const logs = files(logDir(w.gw.core.config));
    assert.ok(logs.length > 0);
    for (const f of logs) {
      const text = readFileSync(f, 'utf8');
      for (const t of tokens) assert.equal(text.includes(t.slice(20, 80)), false, `${f} holds a token`);
    }
  });

  it('counts refused tokens per source: past rateLimits.sourceAttempts, RATE_LIMITED (and password sign-in is unaffected)', async () => {
    let last: Reply | undefined;
    for (let i = 0; i < 101; i++) {
      last = await ssoSignIn(w.client(), 'Negotiate YII=');
      if (last.status === 429) break;
    }
    assert.equal(last?.status, 429, last?.text);
    assert.equal(last?.body.error.code, 'RATE_LIMITED');
    const ok = await w.client().signIn(w.users.kadmin.name, w.users.kadmin.password);
    assert.equal(ok.status, 200, ok.text);
  });
});
