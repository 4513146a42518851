import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { createSecretStore } from '../../daemon/src/platform/secret-store.js';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config/load.js';
import { LastGoodPolicySource, type PolicySource } from '../../daemon/src/config/policy-source.js';
import { KeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { freshDir } from '../support/run-dir.js';

const ad = { urls: ['ldaps://dc1.example.com'], baseDn: 'DC=example,DC=com', bindDn: 'svc@example.com' };

describe('configuration', () => {
  it('layers file, Group Policy and environment (env wins) and freezes the result', async () => {
    const dir = freshDir('cfg');
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ ad, listen: '127.0.0.1:9000', log: { level: 'warn' } }));
    const policy: PolicySource = { read: async () => ({ listen: '127.0.0.1:9100', ad: { resetStrategy: 'two-step' } }) };
    const cfg = await loadConfig({ file, policy, env: { KEYHATCH_AD_URL: 'ldaps://a.example.com, ldap://b.example.com', KEYHATCH_DATA_DIR: dir } });
    assert.deepEqual(cfg.ad?.urls, ['ldaps://a.example.com', 'ldap://b.example.com']);
    assert.equal(cfg.listen, '127.0.0.1:9100');
    assert.equal(cfg.ad?.resetStrategy, 'two-step');
    assert.equal(cfg.ad?.baseDn, 'DC=example,DC=com');
    assert.equal(cfg.log.level, 'warn');
    assert.equal(cfg.dataDir, dir);
    assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.ad) && Object.isFrozen(cfg.ad?.urls));
  });
  it('has safe defaults: loopback listener, two-step auto, privileged refused', async () => {
    const cfg = await loadConfig({ env: { KEYHATCH_AD_URL: 'ldaps://dc', KEYHATCH_AD_BASE_DN: 'DC=x', KEYHATCH_AD_BIND_DN: 'svc@x' } });
    assert.equal(cfg.listen, '127.0.0.1:7788');
    assert.equal(cfg.ad?.allowPrivileged, false);
    assert.equal(cfg.ad?.resetStrategy, 'auto');
  });
  it('names the key and the problem', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ KEYHATCH_AD_URL: 'http://dc' }, /ad\.urls\.0: must be ldaps:\/\/host\[:port\] or ldap:\/\/host\[:port\]/],
      [{ KEYHATCH_LISTEN: 'nonsense' }, /listen: must be host:port/],
      [{ KEYHATCH_AD_URL: 'ldaps://dc', KEYHATCH_AD_BIND_DN: 'x' }, /ad\.baseDn: /],
      [{ KEYHATCH_LOG_LEVEL: 'chatty' }, /log\.level: /],
    ];
    for (const [env, re] of cases) {
      await assert.rejects(loadConfig({ env }), (e: KeyhatchError) => e.code === 'CONFIG_INVALID' && re.test(e.message), JSON.stringify(env));
    }
    const dir = freshDir('cfg');
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ ad: { ...ad, bindPasword: 'x' } }));
    await assert.rejects(loadConfig({ file: join(dir, 'typo.json'), env: {} }), /ad: unknown key\(s\) "bindPasword"/);
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    await assert.rejects(loadConfig({ file: join(dir, 'bad.json'), env: {} }), /not valid JSON/);
  });
  it('keeps the last good Group Policy values when a read fails', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const src = new LastGoodPolicySource({ read: async () => { if (fail) throw new Error('registry busy'); return { listen: '127.0.0.1:1' }; } }, (e) => errors.push(e));
    assert.deepEqual(await src.read(), { listen: '127.0.0.1:1' });
    fail = true;
    assert.deepEqual(await src.read(), { listen: '127.0.0.1:1' });
    assert.equal(errors.length, 1);
  });
});

describe('configuration: secrets and the listener', () => {
  const noStore = () => ({ get: async () => undefined });

  it('refuses a non-loopback listen address (plain HTTP) and accepts loopback ones', async () => {
    for (const listen of ['0.0.0.0:7788', '[::]:7788', '10.1.2.3:7788', 'keyhatch.corp.example:7788', '127.0.0.1.evil.example:80']) {
      await assert.rejects(loadConfig({ env: { KEYHATCH_LISTEN: listen }, secrets: noStore }), (e: KeyhatchError) => e.code === 'CONFIG_INVALID' && /not a loopback address/.test(e.message), listen);
    }
    for (const listen of ['127.0.0.1:7788', '127.0.0.5:1', '[::1]:7788', 'localhost:7788']) {
      assert.equal((await loadConfig({ env: { KEYHATCH_LISTEN: listen }, secrets: noStore })).listen, listen);
    }
  });

  it('refuses a config file that holds a secret and is readable by group or others; accepts it at 0600 or without secrets', async () => {
    const dir = freshDir('cfg-perm');
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ dataDir: dir, ad: { ...ad, bindPassword: 'Sekret-In-File-1!' } }));
    chmodSync(file, 0o644);
    await assert.rejects(loadConfig({ file, env: {}, secrets: noStore, platform: 'linux' }), (e: KeyhatchError) => e.code === 'CONFIG_INVALID' && /ad\.bindPassword.*chmod 600/.test(e.message) && !e.message.includes('Sekret'));
    chmodSync(file, 0o640);
    await assert.rejects(loadConfig({ file, env: {}, secrets: noStore, platform: 'linux' }), /group\/others/);
    chmodSync(file, 0o600);
    assert.equal((await loadConfig({ file, env: {}, secrets: noStore, platform: 'linux' })).ad?.bindPassword, 'Sekret-In-File-1!');
    // An SMTP password inside the URL counts too.
    writeFileSync(file, JSON.stringify({ dataDir: dir, smtp: { url: 'smtp://mailer:Pw-In-Url-1@mail.example:587', from: 'k@example' } }));
    chmodSync(file, 0o644);
    await assert.rejects(loadConfig({ file, env: {}, secrets: noStore, platform: 'linux' }), /smtp\.url \(password\)/);
    writeFileSync(file, JSON.stringify({ dataDir: dir, ad }));
    chmodSync(file, 0o644);
    assert.equal((await loadConfig({ file, env: {}, secrets: noStore, platform: 'linux' })).ad?.bindPassword, undefined, 'no secret: world-readable is fine');
  });

  it('reads secrets from KEYHATCH_<KEY>_FILE and refuses a variable set both ways', async () => {
    const dir = freshDir('cfg-file');
    const pw = join(dir, 'bind'); writeFileSync(pw, 'From-File-Pw-1!\n');
    const smtp = join(dir, 'smtp'); writeFileSync(smtp, 'p@ss/w:rd');
    const base = { KEYHATCH_AD_URL: 'ldaps://dc', KEYHATCH_AD_BASE_DN: 'DC=x', KEYHATCH_AD_BIND_DN: 'svc@x', KEYHATCH_DATA_DIR: dir };
    const cfg = await loadConfig({ env: { ...base, KEYHATCH_AD_BIND_PASSWORD_FILE: pw, KEYHATCH_SMTP_URL: 'smtp://mailer@mail.example:587', KEYHATCH_SMTP_FROM: 'k@x', KEYHATCH_SMTP_PASSWORD_FILE: smtp }, secrets: noStore });
    assert.equal(cfg.ad?.bindPassword, 'From-File-Pw-1!', 'one trailing newline is dropped');
    assert.equal(decodeURIComponent(new URL(cfg.smtp?.url as string).password), 'p@ss/w:rd');
    await assert.rejects(loadConfig({ env: { ...base, KEYHATCH_AD_BIND_PASSWORD_FILE: pw, KEYHATCH_AD_BIND_PASSWORD: 'x' }, secrets: noStore }), /both KEYHATCH_AD_BIND_PASSWORD and KEYHATCH_AD_BIND_PASSWORD_FILE/);
    await assert.rejects(loadConfig({ env: { ...base, KEYHATCH_AD_BIND_PASSWORD_FILE: join(dir, 'missing') }, secrets: noStore }), /KEYHATCH_AD_BIND_PASSWORD_FILE: cannot read/);
  });

  it('fills a missing secret from the platform secret store (0600 file here), and only a missing one', async () => {
    const dir = freshDir('cfg-store');
    const store = createSecretStore(join(dir, 'secrets'));
    await store.set('config.ad-bind-password', Buffer.from('From-Store-Pw-1!'));
    await store.set('config.entra-client-secret', Buffer.from('entra-from-store'));
    const env = { KEYHATCH_AD_URL: 'ldaps://dc', KEYHATCH_AD_BASE_DN: 'DC=x', KEYHATCH_AD_BIND_DN: 'svc@x', KEYHATCH_DATA_DIR: dir, KEYHATCH_ENTRA_TENANT_ID: 't', KEYHATCH_ENTRA_CLIENT_ID: 'c' };
    const cfg = await loadConfig({ env });
    assert.equal(cfg.ad?.bindPassword, 'From-Store-Pw-1!');
    assert.equal(cfg.entra?.clientSecret, 'entra-from-store', 'Entra needs a credential; the store supplies it');
    assert.equal((await loadConfig({ env: { ...env, KEYHATCH_AD_BIND_PASSWORD: 'Env-Wins-1!' } })).ad?.bindPassword, 'Env-Wins-1!');
    // A store file others can read is refused, not used.
    chmodSync(join(dir, 'secrets', 'config.ad-bind-password.secret'), 0o644);
    await assert.rejects(loadConfig({ env }), (e: KeyhatchError) => e.code === 'CONFIG_INVALID' && /chmod 600/.test(e.message));
  });
});
