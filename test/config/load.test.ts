import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
