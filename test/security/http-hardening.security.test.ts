// DNS rebinding (Host / Origin), bearer values in logs and in the store, and a reset whose
// follow-up unlock fails — against the real daemon, Samba DC and SMTP server.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';
import { KeyhatchError } from '../../daemon/src/errors/catalogue.js';

/** Raw HTTP so the Host header is exactly what an attacker's browser would send. */
function raw(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function* allFiles(dir: string): Generator<string> {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) yield* allFiles(p); else yield p;
  }
}

describe('HTTP hardening (Samba AD DC + SMTP)', function () {
  this.timeout(180_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  const user = { name: 'harden-user', password: 'Harden-Start-6!', mail: 'harden@mail.keyhatch.test' };

  before(async () => {
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Hard En', mail: user.mail }, d.seed.peopleOu);
    k = await startTestDaemon(d, { http: { allowedHosts: ['keyhatch.corp.example'] } });
    const u = (await k.server.core.directory.findUser(user.name))!;
    await k.server.services.store.factors.insert({ id: 'harden-mail', userKey: u.key!, type: 'email', hint: 'x', confirmed: true, data: { address: user.mail }, createdAt: new Date().toISOString() });
  });
  after(async () => { await k?.close(); await admin?.close(); });

  it('DNS rebinding: a forged Host with a matching Origin is refused on every path; configured names are served', async () => {
    const port = new URL(k.url).port;
    const login = { username: user.name, password: user.password };
    for (const [host, origin] of [[`evil.example:${port}`, `http://evil.example:${port}`], [`evil.example:${port}`, undefined], [`127.0.0.1:${port}`, `http://evil.example:${port}`], [`localhost:${port}`, 'null']] as const) {
      const h = { host, ...(origin ? { origin } : {}) };
      const r = await raw(k.url, 'POST', '/api/v1/enrollment/login', h, login);
      assert.equal(r.status, 400, `${host} ${origin}: ${r.text}`);
      assert.doesNotMatch(r.text, /token/);
      assert.equal((await raw(k.url, 'GET', '/portal/', h)).status, 400, `portal page via ${host}`);
      assert.equal((await raw(k.url, 'GET', '/api/v1/health', h)).status, 400, `health via ${host}`);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `keyhatch.corp.example:${port}`, `KEYHATCH.corp.example:${port}`]) {
      assert.equal((await raw(k.url, 'GET', '/api/v1/health', { host })).status, 200, host);
    }
    const ok = await raw(k.url, 'POST', '/api/v1/enrollment/login', { host: `localhost:${port}`, origin: `http://localhost:${port}` }, login);
    assert.equal(ok.status, 200, ok.text);
    rememberSecret(JSON.parse(ok.text).token as string);
  });

  it('no recovery id or enrollment token ever reaches a log or the store', async () => {
    const bearers: string[] = [];
    const login = await k.api('POST', '/api/v1/enrollment/login', { username: user.name, password: user.password });
    bearers.push(login.body.token);
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    assert.equal((await k.api('GET', '/api/v1/enrollment/factors', undefined, auth)).status, 200);
    for (const name of [user.name, 'nobody-here', 'grace']) {
      const id = (await k.api('POST', '/api/v1/recovery', { username: name })).body.recoveryId as string;
      bearers.push(id);
      await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: user.mail });
      await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: '000000' });
      await k.api('POST', `/api/v1/recovery/${id}/unlock`); // refused: logged at debug with its path
      await k.api('GET', `/api/v1/recovery/${id}`, undefined, { 'x-keyhatch-kiosk': 'wrong-kiosk-secret-000000001' });
      await k.api('POST', `/api/v1/recovery/${id}/cancel`);
      await k.api('GET', `/api/v1/recovery/${id}`); // 410 after cancel, with the id in the path
    }
    await k.server.services.outbox.flush();
    bearers.forEach((b) => rememberSecret(b));
    const hits: string[] = [];
    for (const file of allFiles(k.config.dataDir)) {
      const text = readFileSync(file).toString('latin1');
      for (const b of bearers) if (text.includes(b) || text.includes(b.slice(0, 16))) hits.push(`${file.slice(k.config.dataDir.length)} holds ${b.slice(0, 3)}…`);
    }
    assert.deepEqual(hits, [], 'logs, audit, SQLite database and WAL');
    assert.match(readFileSync(join(k.config.dataDir, 'logs', 'keyhatch.log'), 'utf8'), /\/recovery\/\[id\]/, 'the paths are logged, redacted');
  });

  // The unlock is asked for explicitly (as the kiosk does for a locked account) and made to throw.
  it('a reset that succeeds followed by an unlock that throws: both audited, the user told, the session closed', async () => {
    const dn = `CN=${user.name},${d.seed.peopleOu}`;
    const id = (await k.api('POST', '/api/v1/recovery', { username: user.name })).body.recoveryId as string;
    const before = k.smtp.messages().length;
    await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor: 'f1', contact: user.mail });
    const { match } = await k.smtp.waitFor(user.mail, /code is (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor: 'f1', response: match[1] })).status, 200);
    const directory = k.server.core.directory as { unlock: (...a: unknown[]) => Promise<void> };
    const realUnlock = directory.unlock;
    directory.unlock = async () => { throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'injected fault' }); };
    const fresh = 'Brisk-Meadow-88!';
    rememberSecret(fresh);
    try {
      const r = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: fresh, unlock: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { reset: true, unlocked: false });
    } finally { directory.unlock = realUnlock; }
    assert.equal((await k.api('GET', `/api/v1/recovery/${id}`)).status, 410, 'the session is closed');
    await k.smtp.waitFor(user.mail, /was reset at/, 10_000, before);
    const events = readFileSync(join(k.config.dataDir, 'logs', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.ok(events.some((e) => e.action === 'recovery.reset' && e.result === 'success' && e.target === user.name), 'reset audited as done');
    assert.ok(events.some((e) => e.action === 'recovery.unlock' && e.result === 'failure' && e.reason === 'DIRECTORY_ERROR' && e.target === user.name), 'unlock audited as failed');
    const entry = await admin.read(dn, ['pwdLastSet']);
    assert.notEqual(String(entry.pwdLastSet ?? '0'), '0');
  });
});
