// The admin console's API on a real gateway (Samba AD DC, SMTP catcher, HTTPS): who may sign in,
// CSRF, roles, caller verification bound to the user's own factor and to the agent's session,
// help-desk actions (kinit proves the unlock), devices, the audit trail with the agent's identity,
// CSV export safe against formula injection, and "Verify connection".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr, generateKeyPair } from '../../daemon/src/pki/x509.js';
import { createJoinToken } from '../../daemon/src/gateway/join-tokens.js';
import { logDir } from '../../daemon/src/core/core-services.js';
import { csvCell } from '../../daemon/src/admin/console/csv.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { rememberSecret } from '../support/run-dir.js';
import { REPO } from '../support/cli.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { auditTrail, consoleWorld, type ConsoleClient, type ConsoleWorld } from './console-setup.js';

describe('admin console API (gateway, Samba AD DC, SMTP)', function () {
  this.timeout(180_000);
  let d: TestDomain;
  let smtp: SmtpCatcher;
  let w: ConsoleWorld;
  let agent: ConsoleClient;
  let kadmin: ConsoleClient;

  const audited = (pred: (e: Record<string, any>) => boolean, what: string) => auditTrail(w).audited(pred, what);

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    smtp = await startSmtpCatcher();
    w = await consoleWorld(d, smtp, 'ca');
    agent = w.client();
    kadmin = w.client();
  });
  after(async () => {
    await w?.close();
    await smtp?.close();
  });

  it('csvCell neutralises formulas (= + - @, tab, CR) and quotes every cell', () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    for (const c of ['+1', '-1', '@SUM(A1)', '\tx', '\rx']) assert.equal(csvCell(c), `"'${c}"`);
    assert.equal(csvCell('alice'), '"alice"');
    assert.equal(csvCell(undefined), '""');
    assert.equal(csvCell({ a: 1 }), '"{""a"":1}"');
  });

  it('refuses a correct password of an account in neither group, and a wrong password, alike to the agent', async () => {
    const c = w.client();
    const plain = await c.signIn(w.users.plain.name, w.users.plain.password);
    assert.equal(plain.status, 403, JSON.stringify(plain.body));
    assert.equal(plain.body.error.code, 'FORBIDDEN');
    assert.equal(c.cookies.has('__Host-keyhatch-admin'), false, 'no session cookie');
    const wrong = await w.client().signIn(w.users.agent.name, 'Not-The-Password-1!');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    const nobody = await w.client().signIn('-nobody-here', 'Whatever-Pass-1!');
    assert.equal(nobody.status, 401);
    assert.equal(nobody.body.error.code, 'INVALID_CREDENTIALS');
    await audited((e) => e.action === 'console.sign-in' && e.actor === w.users.plain.name && e.result === 'refused' && e.reason === 'FORBIDDEN', 'non-member refused');
  });

  it('signs in a help-desk agent and an admin (nested group) with secure, short-lived cookies', async () => {
    const r = await agent.signIn(w.users.agent.name, w.users.agent.password);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.role, 'helpdesk');
    const sc = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((x) => x.startsWith('__Host-keyhatch-admin='));
    assert.ok(sc, 'session cookie set');
    for (const flag of ['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/']) assert.match(sc, new RegExp(flag));
    const a = await kadmin.signIn(w.users.kadmin.name, w.users.kadmin.password);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.user.role, 'admin', 'member of IT Ops, which is a member of the admin group');
    await audited((e) => e.action === 'console.sign-in' && e.actor === w.users.kadmin.name && e.result === 'success' && e.details?.role === 'admin', 'admin sign-in');
  });

  it('refuses state-changing requests with a missing or wrong CSRF token, and a foreign Origin', async () => {
    const missing = await agent.call('POST', '/users/lookup', { name: w.users.caller.name }, { 'x-keyhatch-csrf': '' });
    assert.equal(missing.status, 403);
    assert.equal(missing.body.error.code, 'CSRF_FAILED');
    const wrong = await agent.call('POST', '/users/lookup', { name: w.users.caller.name }, { 'x-keyhatch-csrf': 'A'.repeat(43) });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'CSRF_FAILED');
    // Another agent's token is no good in this session either.
    const foreign = await agent.call('POST', '/users/lookup', { name: w.users.caller.name }, { 'x-keyhatch-csrf': kadmin.csrf as string });
    assert.equal(foreign.body.error.code, 'CSRF_FAILED');
    const origin = await agent.call('POST', '/users/lookup', { name: w.users.caller.name }, { origin: 'https://evil.example' });
    assert.equal(origin.status, 400);
    // The sign-in itself needs the token the page was given (double submit).
    const c = w.client();
    await c.call('GET', '/session');
    const noToken = await c.call('POST', '/session', { username: w.users.agent.name, password: w.users.agent.password });
    assert.equal(noToken.body.error.code, 'CSRF_FAILED');
    await audited((e) => e.action === 'console.csrf' && e.result === 'refused', 'CSRF refusal audited');
  });

  it('keeps help-desk agents out of admin pages', async () => {
    for (const [m, p] of [['GET', '/devices'], ['GET', '/audit'], ['GET', '/audit.csv'], ['GET', '/settings'], ['GET', '/status'], ['POST', '/status/verify'], ['POST', '/devices/dev_x/revoke']] as const) {
      const r = await agent.call(m, p, m === 'POST' ? {} : undefined);
      assert.equal(r.status, 403, `${m} ${p}`);
      assert.equal(r.body.error.code, 'FORBIDDEN', `${m} ${p}`);
    }
    await audited((e) => e.action === 'console.forbidden' && e.actor === `console:${w.users.agent.name}`, 'forbidden audited with the agent');
    const anon = w.client();
    assert.equal((await anon.call('GET', '/devices')).status, 401);
  });

  it('verifies a caller only with the code sent to their own address; actions stay refused until then', async () => {
    await w.admin.lockOut(w.users.caller.dn);
    assert.equal((await d.dc.kinit(w.users.caller.name, w.users.caller.password)).ok, false, 'locked out');
    const look = await agent.call('POST', '/users/lookup', { name: w.users.caller.name });
    assert.equal(look.status, 200, JSON.stringify(look.body));
    assert.equal(look.body.status.locked, true);
    const email = (look.body.factors as Array<{ id: string; type: string; hint: string; canVerify: boolean }>).find((f) => f.type === 'email');
    assert.ok(email?.canVerify);
    assert.match(email.hint, /•••/, 'masked hint');
    assert.ok(!JSON.stringify(look.body).includes(w.users.caller.mail), 'the full address is never shown');
    const ref = look.body.ref as string;

    for (const action of ['unlock', 'helpdesk-code', 'reset-enrollment']) {
      const r = await agent.call('POST', `/users/${ref}/${action}`, {});
      assert.equal(r.status, 403, action);
      assert.equal(r.body.error.code, 'CALLER_NOT_VERIFIED', action);
    }
    const before = smtp.messages().length;
    const start = await agent.call('POST', `/users/${ref}/verify`, { factorId: email.id });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.verified, false);
    const { match, mail } = await smtp.waitFor(w.users.caller.mail, /agent you are on a call with: (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.match(mail.subject, /verifying your identity/);
    const wrongCode = match[1] === '000000' ? '111111' : '000000';
    const bad = await agent.call('POST', `/users/${ref}/verify/confirm`, { code: wrongCode });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.verified, false, 'a wrong code does not verify');
    assert.equal((await agent.call('POST', `/users/${ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED', 'still refused server-side');
    const good = await agent.call('POST', `/users/${ref}/verify/confirm`, { code: match[1] });
    assert.equal(good.body.verified, true, JSON.stringify(good.body));
    assert.equal(good.body.verifiedWith, 'email');

    // Verification is bound to this agent's session: the admin's session has not verified anyone.
    const other = await kadmin.call('POST', '/users/lookup', { name: w.users.caller.name });
    assert.equal((await kadmin.call('POST', `/users/${other.body.ref as string}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');

    const unlock = await agent.call('POST', `/users/${ref}/unlock`, {});
    assert.equal(unlock.status, 200, JSON.stringify(unlock.body));
    const k = await d.dc.kinit(w.users.caller.name, w.users.caller.password);
    assert.equal(k.ok, true, k.message);
    const code = await agent.call('POST', `/users/${ref}/helpdesk-code`, {});
    assert.equal(code.status, 200, JSON.stringify(code.body));
    rememberSecret(code.body.code);
    assert.match(code.body.code, /^\d{8}$/);

    const ev = await audited((e) => e.action === 'console.unlock' && e.result === 'success' && e.target === w.users.caller.name, 'unlock audited');
    assert.equal(ev.actor, `console:${w.users.agent.name}`);
    assert.equal(ev.details.role, 'helpdesk');
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && e.actor === `console:${w.users.agent.name}`, 'failed verification audited');
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'success' && e.details?.method === 'email', 'verification audited');
    await audited((e) => e.action === 'console.helpdesk-code' && e.result === 'success' && e.actor === `console:${w.users.agent.name}`, 'code audited');
    await audited((e) => e.action === 'console.unlock' && e.result === 'refused' && e.reason === 'CALLER_NOT_VERIFIED', 'refusal audited');
    assert.ok(!readFileSync(join(logDir(w.gw.core.config), 'audit.log'), 'utf8').includes(match[1] as string), 'the code is not in the audit');

    // The verification expires.
    w.offset.ms += 180_000;
    try {
      assert.equal((await agent.call('POST', `/users/${ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    } finally { w.offset.ms -= 180_000; }

    // The user detail shows the recent events for that user.
    const again = await agent.call('GET', `/users/${ref}`);
    assert.ok((again.body.events as Array<{ action: string }>).some((e) => e.action === 'console.unlock'));
  });

  it('verifies a caller with the current authenticator code, never with a wrong or replayed one', async () => {
    const look = await agent.call('POST', '/users/lookup', { name: w.users.caller2.name });
    const ref = look.body.ref as string;
    const totp = (look.body.factors as Array<{ id: string; type: string; canVerify: boolean }>).find((f) => f.type === 'totp');
    assert.ok(totp?.canVerify);
    assert.equal((await agent.call('POST', `/users/${ref}/verify`, { factorId: totp.id })).status, 200);
    const current = w.totp.generate({ timestamp: Date.now() });
    const wrong = String((Number(current) + 1) % 1_000_000).padStart(6, '0');
    assert.equal((await agent.call('POST', `/users/${ref}/verify/confirm`, { code: wrong })).body.verified, false);
    assert.equal((await agent.call('POST', `/users/${ref}/reset-enrollment`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    const ok = await agent.call('POST', `/users/${ref}/verify/confirm`, { code: current });
    assert.equal(ok.body.verified, true, JSON.stringify(ok.body));
    // A second verification cannot reuse the code the caller already read out.
    await agent.call('POST', `/users/${ref}/verify`, { factorId: totp.id });
    assert.equal((await agent.call('POST', `/users/${ref}/verify/confirm`, { code: current })).body.verified, false, 'replay refused');
    assert.equal((await agent.call('POST', `/users/${ref}/reset-enrollment`, {})).body.error.code, 'CALLER_NOT_VERIFIED', 'a new check replaced the old verification');
  });

  it('rate limits caller verification per user: after repeated wrong codes even the right one is refused', async () => {
    const look = await agent.call('POST', '/users/lookup', { name: w.users.caller2.name });
    const ref = look.body.ref as string;
    const totp = (look.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'totp') as { id: string };
    assert.equal((await agent.call('POST', `/users/${ref}/verify`, { factorId: totp.id })).status, 200);
    let limited: { status: number; body: any } | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await agent.call('POST', `/users/${ref}/verify/confirm`, { code: '000000' });
      if (r.status === 429) limited = r; else assert.equal(r.body.verified, false);
    }
    assert.ok(limited, 'blocked within the configured attempts');
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
    const right = await agent.call('POST', `/users/${ref}/verify/confirm`, { code: w.totp.generate({ timestamp: Date.now() + 30_000 }) });
    assert.equal(right.status, 429, 'blocked: not even the right code verifies');
    assert.equal((await agent.call('POST', `/users/${ref}/unlock`, {})).body.error.code, 'CALLER_NOT_VERIFIED');
    await audited((e) => e.action === 'console.caller-verify' && e.result === 'failure' && Array.isArray(e.details?.blocked) && e.details.blocked.length > 0, 'the block is audited');
  });

  it('resets an enrollment for a verified caller and tells the user', async () => {
    const look = await agent.call('POST', '/users/lookup', { name: w.users.caller.name });
    const ref = look.body.ref as string;
    const email = (look.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email') as { id: string };
    const before = smtp.messages().length;
    await agent.call('POST', `/users/${ref}/verify`, { factorId: email.id });
    const { match } = await smtp.waitFor(w.users.caller.mail, /on a call with: (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await agent.call('POST', `/users/${ref}/verify/confirm`, { code: match[1] })).body.verified, true);
    const r = await agent.call('POST', `/users/${ref}/reset-enrollment`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.removed, 1);
    assert.equal((await w.gw.services.store.factors.list((await w.gw.core.directory.findUser(w.users.caller.name))!.key as string)).length, 0);
    await smtp.waitFor(w.users.caller.mail, /was removed from/, 10_000, before);
    await audited((e) => e.action === 'console.reset-enrollment' && e.result === 'success' && e.actor === `console:${w.users.agent.name}`, 'reset audited');
  });

  it('lets an admin list and revoke devices, audited with the admin identity', async () => {
    const t = await createJoinToken(w.gw.services.store.joinTokens, { uses: 1, ttlMs: 600_000, createdBy: 'test', now: Date.now() });
    rememberSecret(t.token);
    const keys = await generateKeyPair();
    const joined = await w.gw.registry.join({ token: t.token, csr: await createCsr(keys.keys, 'pc-console'), name: 'pc-console' }, '127.0.0.1');
    const list = await kadmin.call('GET', '/devices');
    assert.equal(list.status, 200);
    assert.ok((list.body as Array<{ id: string; name: string }>).some((x) => x.id === joined.deviceId && x.name === 'pc-console'));
    const rev = await kadmin.call('POST', `/devices/${joined.deviceId}/revoke`, {});
    assert.deepEqual(rev.body, { revoked: true });
    assert.ok((await w.gw.registry.list()).find((x) => x.id === joined.deviceId)?.revokedAt);
    await audited((e) => e.action === 'device.revoke' && e.target === joined.deviceId && e.actor === `console:${w.users.kadmin.name}`, 'revoke audited');
    assert.equal((await kadmin.call('POST', '/devices/dev_nonexistent/revoke', {})).status, 404);
  });

  it('shows the audit trail with filters and exports it as CSV, formulas neutralised', async () => {
    const filtered = await kadmin.call('GET', `/audit?action=console.&actor=console:${w.users.agent.name}&limit=50`);
    assert.equal(filtered.status, 200);
    const rows = filtered.body as Array<{ action: string; actor: string; timestamp: string }>;
    assert.ok(rows.length > 3);
    assert.ok(rows.every((e) => e.action.startsWith('console.') && e.actor === `console:${w.users.agent.name}`));
    assert.ok(rows.every((e, i) => i === 0 || e.timestamp <= (rows[i - 1] as { timestamp: string }).timestamp), 'newest first');
    const refused = await kadmin.call('GET', '/audit?result=refused&action=console.sign-in');
    assert.ok((refused.body as Array<{ result: string }>).every((e) => e.result === 'refused'));
    const csv = await kadmin.call('GET', '/audit.csv?action=console.sign-in');
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines[0], '"timestamp","action","actor","target","result","reason","correlationId","device","source","details"');
    assert.ok(lines.some((l) => l.includes(`"'-nobody-here"`)), 'the name starting with "-" is neutralised');
    assert.ok(!lines.some((l) => /(^|,)"[=+\-@]/.test(l)), 'no cell starts with a formula character');
    await audited((e) => e.action === 'console.audit-export' && e.actor === `console:${w.users.kadmin.name}`, 'export audited');
  });

  it('runs the doctor checks for "Verify connection" and shows settings without any credential', async () => {
    const v = await kadmin.call('POST', '/status/verify', {});
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const checks = v.body.checks as Array<{ name: string; ok: boolean }>;
    assert.ok(checks.some((c) => c.name === 'service account bind' && c.ok), JSON.stringify(checks));
    assert.ok(['connected', 'failing', 'unauthorized', 'unreachable'].includes(v.body.state));
    const st = await kadmin.call('GET', '/status');
    assert.equal(st.body.last.by, `console:${w.users.kadmin.name}`);
    assert.equal(st.body.directories[0].kind, 'Active Directory');
    const s = await kadmin.call('GET', '/settings');
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.console.adminGroups, [w.groups.admins]);
    assert.ok(!JSON.stringify(s.body).includes(d.seed.service.password), 'no bind password');
    await audited((e) => e.action === 'console.verify-connection' && e.actor === `console:${w.users.kadmin.name}`, 'verify audited');
  });

  it('targets a group (nested members), synchronises now, lists users by status and the adoption series; help desk may not', async () => {
    for (const [m, p] of [['GET', '/population/directories'], ['GET', '/population/users'], ['GET', '/population/summary'], ['POST', '/population/sync']] as const) {
      assert.equal((await agent.call(m, p, m === 'POST' ? { directory: 'default' } : undefined)).body.error.code, 'FORBIDDEN', `${m} ${p}`);
    }
    const dirs = await kadmin.call('GET', '/population/directories');
    assert.equal(dirs.status, 200, JSON.stringify(dirs.body));
    assert.deepEqual((dirs.body as Array<{ id: string }>).map((x) => x.id), ['default']);
    const found = await kadmin.call('GET', `/population/groups?directory=default&q=${encodeURIComponent('ca Keyhatch Admins')}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    const group = (found.body as Array<{ groupId: string; name: string }>).find((g) => g.groupId.toLowerCase() === w.groups.admins.toLowerCase());
    assert.ok(group, JSON.stringify(found.body));
    const set = await kadmin.call('POST', '/population/targets', { directory: 'default', groups: [{ groupId: group.groupId, name: group.name }] });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    await audited((e) => e.action === 'population.targets' && e.actor === `console:${w.users.kadmin.name}`, 'targets audited with the admin');
    let run = await kadmin.call('POST', '/population/sync', { directory: 'default', full: true });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    for (let i = 0; i < 600 && !(run.body?.result || run.body?.error); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = await kadmin.call('GET', '/population/sync?directory=default');
    }
    assert.ok(run.body.result, JSON.stringify(run.body));
    // kadmin is in the admin group only through IT Ops (nested): in scope; the agent is not.
    const inScope = await kadmin.call('GET', '/population/users?status=DISCOVERED&search=cakadmin');
    assert.deepEqual((inScope.body.users as Array<{ accountName: string }>).map((u) => u.accountName), [w.users.kadmin.name]);
    const agentRow = await kadmin.call('GET', `/population/users?search=${w.users.agent.name}`);
    assert.ok((agentRow.body.users as Array<{ status: string }>).every((u) => u.status === 'OUT_OF_SCOPE'), JSON.stringify(agentRow.body));
    const summary = await kadmin.call('GET', '/population/summary');
    assert.equal(summary.status, 200);
    assert.ok(summary.body.counts.DISCOVERED >= 1);
    assert.ok((summary.body.series as Array<{ day: string }>).length >= 1, 'a day of figures');
    assert.equal(summary.body.licence.count, summary.body.counts.DISCOVERED + summary.body.counts.ENROLLED + summary.body.counts.LOCKED);
    await audited((e) => e.action === 'console.sync' && e.result === 'success' && e.actor === `console:${w.users.kadmin.name}`, 'sync audited');
    // Back to everyone, so other tests are unaffected.
    assert.equal((await kadmin.call('POST', '/population/targets', { directory: 'default', groups: [] })).status, 200);
  });

  it('answers every documented console operation with one of its documented statuses, for an admin, an agent and nobody', async () => {
    type Op = { responses: Record<string, unknown> };
    const doc = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, Op>> };
    const a = w.client();
    assert.equal((await a.signIn(w.users.kadmin.name, w.users.kadmin.password)).status, 200);
    const h = w.client();
    assert.equal((await h.signIn(w.users.agent.name, w.users.agent.password)).status, 200);
    const ref = (await a.call('POST', '/users/lookup', { name: w.users.caller.name })).body.ref as string;
    const bodies: Record<string, unknown> = {
      'POST /session': { username: w.users.kadmin.name, password: 'Not-The-Password-1!' }, 'POST /users/lookup': { name: w.users.caller.name },
      'POST /users/{ref}/verify': { factorId: '00000000-0000-4000-8000-000000000000' }, 'POST /users/{ref}/verify/confirm': { code: '000000' },
      'POST /population/targets': { directory: 'nope', groups: [] }, 'POST /population/sync': { directory: 'nope' },
    };
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/admin/api/'))) {
      for (const [method, op] of Object.entries(ops)) {
        const rel = path.slice('/admin/api'.length);
        const key = `${method.toUpperCase()} ${rel}`;
        if (key === 'POST /session/end') continue; // would end the sessions used here; its own test is below
        const concrete = rel.replace('{ref}', ref).replace('{id}', 'dev_nonexistent') + (rel === '/population/sync' || rel === '/population/groups' ? '?directory=default' : '');
        for (const [who, c] of [['admin', a], ['agent', h], ['nobody', w.client()]] as const) {
          const r = await c.call(method.toUpperCase(), concrete, method === 'get' ? undefined : (bodies[key] ?? {}));
          assert.ok(Object.keys(op.responses).includes(String(r.status)), `${key} as ${who} answered ${r.status} ${r.text.slice(0, 200)}; documented ${Object.keys(op.responses).join(',')}`);
          if (r.status >= 400) assert.ok(r.body?.error?.code, `${key} as ${who}: error without a catalogue code`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 60, `${checked} calls`);
  });

  it('ends a session when idle, and on sign-out', async () => {
    const c = w.client();
    assert.equal((await c.signIn(w.users.agent.name, w.users.agent.password)).status, 200);
    w.offset.ms += 901_000;
    try {
      const r = await c.call('POST', '/users/lookup', { name: w.users.caller.name });
      assert.equal(r.status, 401);
      assert.equal((await c.call('GET', '/session')).body.signedIn, false);
    } finally { w.offset.ms -= 901_000; }
    const e = w.client();
    assert.equal((await e.signIn(w.users.agent.name, w.users.agent.password)).status, 200);
    assert.equal((await e.call('POST', '/session/end', {})).status, 204);
    assert.equal((await e.call('GET', '/session')).body.signedIn, false);
  });
});
