// Factor types and policies through the real API: questions, directory pre-enrollment, SMS via the
// webhook adapter, a stricter group policy, removal notices, and the help-desk code command.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { runKeyhatch } from '../support/cli.js';
import { adEnv } from '../support/ad-env.js';
import { makeTestCa, TlsReceiver, json } from '../notify/tls-receiver.js';

describe('factors and factor policy over the API (Samba AD DC + SMTP + SMS webhook)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  const sms = new TlsReceiver();
  const smsSecret = 'webhook-shared-secret-123456';
  const texts: Array<{ to: string; text: string }> = [];

  async function login(name: string, password: string): Promise<Record<string, string>> {
    const r = await k.api('POST', '/api/v1/enrollment/login', { username: name, password });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    rememberSecret(r.body.token);
    return { authorization: `Bearer ${r.body.token as string}` };
  }

  async function user(name: string, extra: { mail?: string; mobile?: string; group?: string } = {}): Promise<string> {
    const password = `${name}-Start-8!`.replace(/^./, (c) => c.toUpperCase());
    rememberSecret(password);
    const dn = await admin.addUser({ name, password, displayName: 'Pat Example', ...extra }, d.seed.peopleOu);
    if (extra.group) await admin.addMember(extra.group, dn);
    return password;
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(smsSecret);
    const ca = makeTestCa('sms-api');
    sms.handler = (req, res) => {
      const mac = createHmac('sha256', smsSecret).update(`${String(req.headers['x-keyhatch-timestamp'])}.${req.body}`).digest('hex');
      if (req.headers['x-keyhatch-signature'] !== `sha256=${mac}`) return json(res, 401, { error: 'bad signature' });
      texts.push(JSON.parse(req.body) as { to: string; text: string });
      json(res, 202, { accepted: true });
    };
    const url = await sms.start(ca);
    k = await startTestDaemon(d, {
      sms: { provider: 'webhook', url, secret: smsSecret, caFile: ca.caFile },
      recovery: {
        preEnrollFromDirectory: true,
        groupPolicies: [{ group: d.seed.strictGroup, reset: { factors: 2, minWeight: 3 }, unlock: { factors: 2, minWeight: 3 }, disabledFactors: ['questions'] }],
      },
    });
  });
  after(async () => { await k?.close(); await sms.stop(); await admin?.close(); });

  it('security questions: enrolled as argon2id hashes, answered case- and punctuation-insensitively, weighted low', async () => {
    const pw = await user('quiz1');
    const auth = await login('quiz1', pw);
    const cfg = await k.api('GET', '/api/v1/enrollment/questions', undefined, auth);
    const qs = cfg.body.questions.slice(0, 3) as string[];
    const answers = ['Springfield Elementary', 'Lisbon', 'Volvo'];
    answers.forEach((a) => rememberSecret(a));
    const short = await k.api('POST', '/api/v1/enrollment/factors/questions', { answers: qs.map((q) => ({ question: q, answer: 'x' })) }, auth);
    assert.equal(short.status, 400);
    const add = await k.api('POST', '/api/v1/enrollment/factors/questions', { answers: qs.map((q, i) => ({ question: q, answer: answers[i] })) }, auth);
    assert.equal(add.status, 201);
    const stored = await k.server.services.store.factors.get(add.body.factorId);
    assert.ok(JSON.stringify(stored?.data).includes('$argon2id$'));
    assert.ok(!answers.some((a) => JSON.stringify(stored?.data).toLowerCase().includes(a.toLowerCase())));

    const start = await k.api('POST', '/api/v1/recovery', { username: 'quiz1' });
    const f = start.body.factors.find((x: { type: string }) => x.type === 'questions');
    const ch = await k.api('POST', `/api/v1/recovery/${start.body.recoveryId}/challenge`, { factor: f.id });
    assert.equal(ch.body.questions.length, 2);
    const reply = ch.body.questions.map((q: { id: string; text: string }) => ({ id: q.id, answer: `  ${answers[qs.indexOf(q.text)]!.toUpperCase()}!! ` }));
    const v = await k.api('POST', `/api/v1/recovery/${start.body.recoveryId}/verify`, { factor: f.id, response: { answers: reply } });
    assert.equal(v.status, 200);
    assert.deepEqual(v.body, { verified: false, remaining: 1 }, 'questions weigh 1; reset needs weight 2');
  });

  it('pre-enrolls the directory mail and mobile when enabled, and texts codes through the SMS webhook', async () => {
    await user('pre1', { mail: 'pre1@mail.keyhatch.test', mobile: '+15550109876' });
    const start = await k.api('POST', '/api/v1/recovery', { username: 'pre1' });
    assert.deepEqual(start.body.factors.map((f: { type: string }) => f.type), ['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk']);
    const id = start.body.recoveryId;
    // The number is typed in any common form; it is compared with the directory's in E.164.
    assert.deepEqual((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f2', contact: '+1 (555) 010-9876' })).body, { sent: true });
    await k.server.services.outbox.flush();
    const text = texts.find((t) => t.to === '+15550109876');
    const code = /code is (\d{6})/.exec(text?.text ?? '')?.[1];
    assert.ok(code, 'an SMS with a code reached the webhook');
    rememberSecret(code);
    const v = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f2', response: code });
    assert.deepEqual(v.body, { verified: false, remaining: 1 }, 'SMS weighs 1');
  });

  it('a stricter group policy (nested group) needs two factors; the menu and the first answer do not show it', async () => {
    const pw = await user('strict1', { mail: 'strict1@mail.keyhatch.test', group: d.seed.nestedGroup });
    const auth = await login('strict1', pw);
    const qs = (await k.api('GET', '/api/v1/enrollment/questions', undefined, auth)).body.questions.slice(0, 3) as string[];
    await k.api('POST', '/api/v1/enrollment/factors/questions', { answers: qs.map((q) => ({ question: q, answer: 'Answer-Strict' })) }, auth);
    rememberSecret('Answer-Strict');
    const start = await k.api('POST', '/api/v1/recovery', { username: 'strict1' });
    assert.deepEqual(start.body.factors.map((f: { type: string }) => f.type), ['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk'], 'the same menu as everyone');
    assert.equal(start.body.required, 1, 'the default requirement until a first factor succeeds');
    const id = start.body.recoveryId;
    const qf = start.body.factors.find((x: { type: string }) => x.type === 'questions').id;
    const asked = (await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: qf })).body.questions as Array<{ id: string }>;
    const qv = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: qf, response: { answers: asked.map((q) => ({ id: q.id, answer: 'Answer-Strict' })) } });
    assert.equal(qv.status, 401, 'questions are disabled for this group: right answers do not count');
    const before = k.smtp.messages().length;
    await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: 'strict1@mail.keyhatch.test' });
    const { match } = await k.smtp.waitFor('strict1@mail.keyhatch.test', /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.deepEqual((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: match[1] })).body, { verified: false, remaining: 1 });
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/unlock`)).status, 403, 'one factor is not enough here');

    // Second factor: a help-desk code issued with the real CLI.
    const env = { ...adEnv(d), KEYHATCH_DATA_DIR: k.config.dataDir };
    const cli = await runKeyhatch(['helpdesk', 'code', 'strict1'], env);
    assert.equal(cli.code, 0, cli.stderr);
    const hd = /: (\d{4}) (\d{4}) \(valid until/.exec(cli.stdout);
    assert.ok(hd, cli.stdout);
    rememberSecret(`${hd[1]}${hd[2]}`);
    const v2 = await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f6', response: `${hd[1]}${hd[2]}` });
    assert.deepEqual(v2.body, { verified: true, remaining: 0 });
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/unlock`)).status, 200);
  });

  it('removing a method is announced on the remaining channels and the removed one', async () => {
    const pw = await user('remove1', { mail: 'remove1@corp.keyhatch.test' });
    const auth = await login('remove1', pw);
    const add = await k.api('POST', '/api/v1/enrollment/factors/email', { address: 'remove1-private@mail.keyhatch.test' }, auth);
    const { match } = await k.smtp.waitFor('remove1-private@mail.keyhatch.test', /code is (\d{6})/);
    rememberSecret(match[1] as string);
    await k.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: match[1] }, auth);
    await k.smtp.waitFor('remove1@corp.keyhatch.test', /was added/);
    assert.equal((await k.api('DELETE', `/api/v1/enrollment/factors/${add.body.factorId}`, undefined, auth)).status, 204);
    await k.smtp.waitFor('remove1@corp.keyhatch.test', /was removed/);
    await k.smtp.waitFor('remove1-private@mail.keyhatch.test', /was removed/);
    assert.deepEqual((await k.api('GET', '/api/v1/enrollment/factors', undefined, auth)).body, []);
    const other = await login('quiz1', 'Quiz1-Start-8!');
    assert.equal((await k.api('DELETE', `/api/v1/enrollment/factors/${add.body.factorId}`, undefined, other)).status, 404);
  });

  it('enrollment refuses privileged and disabled accounts like a wrong password', async () => {
    for (const [name, pw] of [['grace', d.seed.users.grace.password], ['dave', d.seed.users.dave.password], ['nobody', 'Whatever-1!']]) {
      const r = await k.api('POST', '/api/v1/enrollment/login', { username: name, password: pw });
      assert.equal(r.status, 401, name);
      assert.equal(r.body.error.code, 'INVALID_CREDENTIALS');
    }
  });
});
