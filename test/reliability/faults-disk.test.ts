// Disk full (a small tmpfs filled up) and a read-only data directory (a read-only bind mount):
// a clear refusal (503 DATA_DIR_UNWRITABLE, or a one-line start-up error), never a 500, no
// half-written state (the reset is refused before it touches AD: Kerberos proves the old password
// still works), and service resumes without a restart once the disk is writable again.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startServe, writeFaultConfig } from './faults-process.js';

const mount = (...args: string[]) => execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const step = (what: string) => { if (process.env.KEYHATCH_TEST_VERBOSE) console.log(`      · ${what}`); };
const umount = (dir: string) => { try { execFileSync('umount', [dir], { stdio: 'ignore' }); } catch { /* not mounted */ } };

/** Writes until the file system says ENOSPC; returns the filler's path. */
function fillUp(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try { for (;;) writeSync(fd, chunk); } catch (err) { assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC'); } finally { closeSync(fd); }
  // Small writes too, so not even a page is left.
  const fd2 = openSync(join(dir, 'filler2'), 'w');
  try { for (;;) writeSync(fd2, Buffer.alloc(512, 1)); } catch { /* full */ } finally { closeSync(fd2); }
  return file;
}

describe('faults: disk full and read-only data directory (tmpfs, bind mounts, ext4 on a loop device)', function () {
  this.timeout(300_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  const mounted: string[] = [];

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
  });
  after(async () => {
    for (const m of mounted.reverse()) umount(m);
    await admin?.close();
  });

  async function verifiedSession(k: TestDaemon, user: { name: string; mail: string }): Promise<string> {
    const start = await k.api('POST', '/api/v1/recovery', { username: user.name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const id = start.body.recoveryId as string;
    const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')!.id;
    const before = k.smtp.messages().length;
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/challenge`, { factor, contact: user.mail })).status, 200);
    const { match } = await k.smtp.waitFor(user.mail, /code is (\d{6})/, 60_000, before);
    rememberSecret(match[1] as string);
    assert.equal((await k.api('POST', `/api/v1/recovery/${id}/verify`, { factor, response: match[1] })).status, 200);
    return id;
  }

  async function newUser(tag: string) {
    const user = { name: `disk${tag}`, mail: `disk${tag}@mail.keyhatch.test`, password: `Disk-${tag}-Start-1!` };
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: 'Quota Tester', mail: user.mail }, d.seed.peopleOu);
    return user;
  }

  /** The refusal every scenario expects: a clear 503, AD untouched, no journal entry left behind. */
  async function assertRefusedCleanly(k: TestDaemon, id: string, user: { name: string; password: string }, dataDir: string, pw: string): Promise<void> {
    const r = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'DATA_DIR_UNWRITABLE');
    assert.equal(r.headers.get('retry-after'), '5');
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, true, 'the old password still works: AD was not touched');
    assert.equal((await d.dc.kinit(user.name, pw)).ok, false);
    const journal = join(dataDir, 'reset-journal');
    assert.deepEqual(existsSync(journal) ? readdirSync(journal) : [], [], 'no journal entry, not even a torn one');
  }

  it('disk full: starts answer 201 or 503 DATA_DIR_UNWRITABLE (never 500), a reset is refused before AD; freeing space resumes service', async () => {
    const user = await newUser('full');
    const dir = freshDir('tmpfs');
    mount('-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', dir);
    mounted.push(dir);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const k = await startTestDaemon(d, { dataDir, recovery: { preEnrollFromDirectory: true } });
    try {
      const id = await verifiedSession(k, user);
      step('verified; filling the disk');
      const filler = fillUp(dir);
      step('full');
      const starts = await Promise.all(Array.from({ length: 20 }, () => k.api('POST', '/api/v1/recovery', { username: user.name })));
      for (const s of starts) assert.ok(s.status === 201 || (s.status === 503 && s.body.error.code === 'DATA_DIR_UNWRITABLE'), `${s.status} ${JSON.stringify(s.body)}`);
      step('starts answered');
      const pw = `Disk-Full-New-1!`;
      rememberSecret(pw);
      await assertRefusedCleanly(k, id, user, dataDir, pw);
      step('reset refused cleanly');

      rmSync(filler);
      rmSync(join(dir, 'filler2'));
      const ok = await k.api('POST', `/api/v1/recovery/${id}/reset`, { newPassword: pw });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await d.dc.kinit(user.name, pw)).ok, true);
      step('reset after freeing space');
      // The audit trail works again too: the log files' writers survived the full disk.
      const auditFile = join(dataDir, 'logs', 'audit.log');
      const audited = () => existsSync(auditFile) && readFileSync(auditFile, 'utf8').split('\n').some((l) => l.includes('"recovery.reset"') && l.includes('"success"') && l.includes(user.name));
      for (let i = 0; i < 100 && !audited(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(audited(), 'the successful reset after the disk was freed is in the audit log');
    } finally { await k.close(); step('closed'); }
  });

  it('the file system under a running daemon turns read-only (ext4 error → emergency read-only): starts and resets answer 503 DATA_DIR_UNWRITABLE, never 500, AD untouched; after repair a restart serves again', async () => {
    // A real ext4 on a loop device, mounted errors=remount-ro; the kernel's own error trigger makes it
    // read-only with the daemon's files open for writing — what a failing disk does. (A bind remount
    // cannot: it refuses while files are open for writing.)
    const user = await newUser('ro');
    const base = freshDir('ext4');
    const image = join(base, 'disk.img');
    const dir = join(base, 'mnt');
    mkdirSync(dir);
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    mount('-o', 'loop,errors=remount-ro', image, dir);
    mounted.push(dir);
    const device = readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === dir)?.split(' ')[0] ?? '';
    assert.match(device, /^\/dev\/loop\d+$/, 'mounted on a loop device');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    let k = await startTestDaemon(d, { dataDir, recovery: { preEnrollFromDirectory: true } });
    try {
      const id = await verifiedSession(k, user);
      writeFileSync(`/sys/fs/ext4/${device.slice('/dev/'.length)}/trigger_fs_error`, 'keyhatch test');
      for (let i = 0; i < 100 && !/emergency_ro|\bro\b/.test(readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === dir) ?? ''); i++) await new Promise((r) => setTimeout(r, 50));
      assert.throws(() => writeFileSync(join(dataDir, 'probe'), 'x'), /EROFS/);
      step('read-only');
      const starts = await Promise.all(Array.from({ length: 20 }, () => k.api('POST', '/api/v1/recovery', { username: user.name })));
      for (const s of starts) assert.ok(s.status === 201 || (s.status === 503 && s.body.error.code === 'DATA_DIR_UNWRITABLE'), `${s.status} ${JSON.stringify(s.body)}`);
      const pw = 'Disk-Ro-New-1!';
      rememberSecret(pw);
      await assertRefusedCleanly(k, id, user, dataDir, pw);
      assert.equal((await k.api('GET', '/api/v1/health')).status, 200, 'still serving');
      step('reset refused cleanly');
      // The admin's repair: stop, unmount, fsck, mount, start. Nothing the daemon wrote before is lost.
      await k.close();
      execFileSync('umount', [dir]);
      const fsck = spawnSync('e2fsck', ['-f', '-y', image], { stdio: 'ignore' });
      assert.ok(fsck.status === 0 || fsck.status === 1, `e2fsck exit ${fsck.status} (0: clean, 1: errors corrected)`);
      mount('-o', 'loop,errors=remount-ro', image, dir);
      k = await startTestDaemon(d, { dataDir, recovery: { preEnrollFromDirectory: true } });
      const again = await verifiedSession(k, user);
      const ok = await k.api('POST', `/api/v1/recovery/${again}/reset`, { newPassword: pw });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await d.dc.kinit(user.name, pw)).ok, true);
    } finally { await k.close(); }
  });

  it('keyhatch serve refuses to start on a read-only data directory with one clear line', async () => {
    const dataDir = freshDir('rostart');
    const configFile = writeFaultConfig(dataDir, { listen: '127.0.0.1:0', ad: { urls: [d.dc.ldapsUrl], baseDn: d.seed.peopleOu, bindDn: d.seed.service.upn, caFile: d.dc.caFile } });
    mount('--bind', dataDir, dataDir);
    mounted.push(dataDir);
    mount('-o', 'remount,ro,bind', dataDir);
    try {
      const err = await startServe(configFile, { env: { KEYHATCH_AD_BIND_PASSWORD: d.seed.service.password } }).then(() => undefined, (e: Error) => e);
      assert.ok(err, 'the daemon must not start');
      assert.match(err.message, /exited \(1\)/);
      assert.match(err.message, new RegExp(`keyhatch: DATA_DIR_UNWRITABLE: cannot write to ${dataDir} \\(EROFS\\)`));
    } finally { umount(dataDir); }
  });
});
