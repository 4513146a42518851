// The `keyhatch` binary against the Samba DC, as a help-desk operator would run it.
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adEnv } from '../support/ad-env.js';
import { runKeyhatch } from '../support/cli.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

describe('keyhatch CLI (Samba AD DC)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  let n = 0;

  async function freshUser(): Promise<{ name: string; dn: string; password: string }> {
    const name = `cli${process.pid % 1000}u${++n}`;
    const password = `Cli-Start-${n}-Pw!`;
    rememberSecret(password);
    return { name, dn: await admin.addUser({ name, password, displayName: `Help Desk Case${n}` }, d.seed.peopleOu), password };
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
  });
  after(async () => { await admin?.close(); });

  it('locked user: user show reports it, unlock clears it, the old password signs in again (kinit)', async () => {
    const u = await freshUser();
    const env = adEnv(d);
    await admin.lockOut(u.dn);
    const before = await runKeyhatch(['user', 'show', u.name], env);
    assert.equal(before.code, 0, before.stderr);
    const shown = JSON.parse(before.stdout) as Record<string, unknown>;
    assert.equal(shown.locked, true);
    assert.equal(shown.dn, u.dn);
    assert.equal(shown.privileged, false);
    assert.deepEqual(Object.keys(shown).filter((k) => ['dn', 'sAMAccountName', 'userPrincipalName', 'locked', 'disabled', 'passwordExpired', 'mustChange', 'privileged', 'pwdLastSet', 'factors'].includes(k)).length, 10);
    assert.equal((await d.dc.kinit(u.name, u.password)).ok, false);

    const unlock = await runKeyhatch(['unlock', `KEYHATCH\\${u.name}`], env);
    assert.equal(unlock.code, 0, unlock.stderr);
    const after = JSON.parse((await runKeyhatch(['user', 'show', `${u.name}@keyhatch.test`], env)).stdout) as Record<string, unknown>;
    assert.equal(after.locked, false);
    assert.equal((await d.dc.kinit(u.name, u.password)).ok, true);

    const auditLog = readFileSync(join(env.KEYHATCH_DATA_DIR as string, 'logs', 'audit.log'), 'utf8');
    const unlockEvent = auditLog.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.action === 'helpdesk.unlock');
    assert.equal(unlockEvent?.result, 'success');
    assert.equal(unlockEvent?.target, u.name);
    assert.match(String(unlockEvent?.actor), /^cli:/);
    assert.ok(unlockEvent?.correlationId);
  });

  it('reset --password-stdin: the new password signs in, the old one does not', async () => {
    const u = await freshUser();
    const pw = `Cli-New-${n}-Secret!`;
    rememberSecret(pw);
    const r = await runKeyhatch(['reset', u.name, '--password-stdin'], adEnv(d), `${pw}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.dc.kinit(u.name, pw)).ok, true);
    assert.equal((await d.dc.kinit(u.name, u.password)).ok, false);
  });

  it('reset to a password in history fails with the history code and says the account needs another reset', async () => {
    const u = await freshUser();
    const env = adEnv(d);
    const r = await runKeyhatch(['reset', u.name, '--password-stdin'], env, u.password);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^keyhatch: PASSWORD_POLICY: .*\[in_history\]/);
    assert.match(r.stderr, /temporary password/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    const pw = `Cli-Retry-${n}-Pw!`;
    rememberSecret(pw);
    const retry = await runKeyhatch(['reset', u.name, '--password-stdin'], env, pw);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal((await d.dc.kinit(u.name, pw)).ok, true);
  });

  it('reset refuses a password that breaks the rules before touching the account', async () => {
    const u = await freshUser();
    const r = await runKeyhatch(['reset', u.name, '--password-stdin'], adEnv(d), 'abc');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PASSWORD_POLICY.*too_short.*complexity/);
    assert.equal((await d.dc.kinit(u.name, u.password)).ok, true, 'unchanged');
  });

  it('policy show gives the PSO for a nested-group member and the domain policy otherwise', async () => {
    const carol = await runKeyhatch(['policy', 'show', 'carol'], adEnv(d));
    assert.equal(carol.code, 0, carol.stderr);
    const p = JSON.parse(carol.stdout) as Record<string, unknown>;
    assert.equal(p.source, 'pso');
    assert.equal(p.psoName, 'StrictPSO');
    assert.equal(p.minLength, 14);
    const alice = JSON.parse((await runKeyhatch(['policy', 'show', 'alice'], adEnv(d))).stdout) as Record<string, unknown>;
    assert.equal(alice.source, 'domain');
    assert.equal(alice.minLength, 8);
  });

  it('help desk refuses an adminCount=1 account by default and serves it when listed in ad.adminCountExceptions', async () => {
    const u = await freshUser();
    await admin.lockOut(u.dn);
    await admin.replace(u.dn, 'adminCount', '1');
    const env = adEnv(d);
    const refused = await runKeyhatch(['unlock', u.name], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^keyhatch: PRIVILEGED_ACCOUNT/);
    assert.match(refused.stderr, /adminCount=1/);
    const file = join(freshDir('cli-exc'), 'keyhatch.json');
    writeFileSync(file, JSON.stringify({ ad: { adminCountExceptions: [u.name] } }));
    const served = await runKeyhatch(['--config', file, 'unlock', u.name], env);
    assert.equal(served.code, 0, served.stderr);
    assert.equal((await d.dc.kinit(u.name, u.password)).ok, true);
  });

  it('refuses privileged and disabled accounts, and reports unknown users', async () => {
    const env = adEnv(d);
    const grace = await runKeyhatch(['unlock', 'grace'], env);
    assert.equal(grace.code, 1);
    assert.match(grace.stderr, /^keyhatch: PRIVILEGED_ACCOUNT/);
    const dave = await runKeyhatch(['reset', 'dave', '--password-stdin'], env, 'Whatever-123-Pw!');
    assert.equal(dave.code, 1);
    assert.match(dave.stderr, /ACCOUNT_DISABLED/);
    const nobody = await runKeyhatch(['user', 'show', 'nobody'], env);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /USER_NOT_FOUND/);
    const graceShow = JSON.parse((await runKeyhatch(['user', 'show', 'grace'], env)).stdout) as Record<string, unknown>;
    assert.equal(graceShow.privileged, true);
  });

  it('rejects injected usernames as bad usage without querying a wider set', async () => {
    for (const evil of ['*', 'a*)(objectClass=*', 'al\u0007ice', 'x'.repeat(300)]) {
      const r = await runKeyhatch(['user', 'show', evil], adEnv(d));
      assert.equal(r.code, 2, `${JSON.stringify(evil)}: ${r.stderr}`);
      assert.match(r.stderr, /INVALID_USERNAME/);
    }
  });

  it('bad usage and bad configuration exit 2 with one clear line', async () => {
    const noPw = await runKeyhatch(['reset', 'alice'], adEnv(d));
    assert.equal(noPw.code, 2);
    assert.match(noPw.stderr, /--password-stdin/);
    const unknown = await runKeyhatch(['frobnicate'], adEnv(d));
    assert.equal(unknown.code, 2);
    const badEnv = { ...adEnv(d), KEYHATCH_AD_URL: 'http://dc.example.com' };
    const bad = await runKeyhatch(['user', 'show', 'alice'], badEnv);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^keyhatch: CONFIG_INVALID: invalid configuration: ad\.urls\.0: must be ldaps:\/\//);
    const dir = freshDir('cfg');
    const missing = await runKeyhatch(['--config', join(dir, 'nope.json'), 'doctor'], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read config file/);
  });

  it('doctor passes with the delegated least-privilege account', async () => {
    const r = await runKeyhatch(['doctor'], adEnv(d));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const name of ['config', 'TLS ldaps://', 'service account bind', 'write lockoutTime', 'write pwdLastSet', 'Reset Password', 'read tokenGroups', 'read password policies']) {
      assert.match(r.stdout, new RegExp(`^ok  +${name.replace(/[/.]/g, '\\$&')}`, 'm'), name);
    }
  });

  it('doctor names the missing right and the fix when one is not delegated', async () => {
    const r = await runKeyhatch(['doctor'], adEnv(d, 'partial'));
    assert.equal(r.code, 1);
    // Every container under the base that holds users is named (other suites add OUs to the shared domain).
    assert.match(r.stdout, /^FAIL +write lockoutTime: MISSING: Write lockoutTime — .*grant it on "OU=People,DC=keyhatch,DC=test".*dsacls/m);
    assert.match(r.stdout, /^ok +Reset Password/m);
    assert.match(r.stdout, /^ok +write pwdLastSet/m);
  });

  it('doctor fails TLS with a clear line when the CA is wrong', async () => {
    const env = { ...adEnv(d), KEYHATCH_AD_CA_FILE: '/etc/ssl/certs/ca-certificates.crt' };
    const r = await runKeyhatch(['doctor'], env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL +TLS ldaps:\/\/127\.0\.0\.\d+:636: DIRECTORY_TLS/m);
  });
});
