// The relay's hand-written config check (config/relay-config.ts) against the schema it stands in for:
// on generated relay configs, whatever the check accepts the schema accepts with the same result, and
// whatever the schema refuses the check refuses too (so errors always come from the schema). Typical
// relay configs take the fast path, and directory settings are still refused in the relay role.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateConfig } from '../../daemon/src/config/load.js';
import { checkRelayConfig, relaySubset } from '../../daemon/src/config/relay-config.js';
import { loadRoleConfig, validateForRole } from '../../daemon/src/config/role-config.js';

// By name and code, not instanceof: mocha loads this file through require() and the schema path
// through import(), so two copies of the error class exist in this process.
const isConfigInvalid = (err: unknown): err is Error => (err as { name?: string }).name === 'KeyhatchError' && (err as { code?: string }).code === 'CONFIG_INVALID';

const PIN = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
const absent = Symbol('absent');
type Pool = readonly unknown[];

// Each key draws mostly from valid values (so whole configs are often valid), sometimes from near
// misses and wrong types; `absent` leaves the key out.
const POOLS: Record<string, { good: Pool; bad: Pool }> = {
  listen: { good: [absent, '127.0.0.1:7788', 'localhost:1', '[::1]:8080'], bad: ['0.0.0.0:7788', '10.0.0.5:7788', '127.0.0.1', 'host:123456', 7788, ''] },
  dataDir: { good: ['/var/lib/keyhatch', 'C:\\ProgramData\\Keyhatch'], bad: ['', 5] },
  log: { good: [absent, {}, { level: 'debug' }, { dir: '/tmp/x', console: true }], bad: [{ level: 'verbose' }, { dir: '' }, { console: 'yes' }, { colour: true }, [], null] },
  http: { good: [absent, {}, { allowedHosts: ['pc1.corp.example'] }, { allowedHosts: ['x'.repeat(253)] }], bad: [{ allowedHosts: [''] }, { allowedHosts: ['x'.repeat(254)] }, { allowedHosts: 'pc1' }, { other: 1 }] },
  kiosk: {
    good: [absent, {}, { requireSecret: false }, { idleSeconds: 30 }, { account: 'Kiosk_1' }, { language: 'de-AT' }, { executable: 'C:\\k.exe', language: 'fr', idleSeconds: 3600 }, { hostName: 'keyhatch-kiosk.corp.example' }],
    bad: [{ requireSecret: 'no' }, { idleSeconds: 29 }, { idleSeconds: 3600.5 }, { idleSeconds: Number.NaN }, { account: 'bad name' }, { language: 'DE' }, { executable: '' }, { hostName: 'localhost' }, { hostName: 'kiosk.corp.example.' }, { hostName: 7 }],
  },
  gateway: {
    good: [absent, {}, { urls: ['https://gw.corp.example'] }, { urls: ['https://gw1:8443', 'https://gw2:8443'], pin: PIN }, { pin: PIN }, { trustedProxies: ['10.0.0.1'] }, { deviceCertDays: 30 },
      { urls: ['https://gw.corp.example'], certFile: '/etc/pki/pc1.crt', keyFile: '/etc/pki/pc1.key' }, { urls: ['https://gw:8443'], pin: PIN, certFile: 'c', keyFile: 'k', caFile: 'ca' }, { machineCaFile: '/etc/adcs.pem' }],
    bad: [{ urls: [] }, { urls: ['http://gw'] }, { urls: ['https://'] }, { pin: 'sha256/short' }, 'https://gw',
      { urls: ['https://gw'], certFile: 'c' }, { urls: ['https://gw'], keyFile: 'k' }, { certFile: 'c', keyFile: 'k' }, { urls: ['https://gw'], certFile: '', keyFile: 'k' }, { caFile: 5 }],
  },
  // Keys a relay does not read: some allowed in the role (the schema's to judge), some forbidden.
  extra: {
    good: [absent, absent, absent, ['recovery', {}], ['tls', { certFile: 'a', keyFile: 'b' }]],
    bad: [['ad', { urls: ['ldaps://dc'], baseDn: 'DC=x', bindDn: 'svc' }], ['smtp', { url: 'smtp://mail:25', from: 'a@b.c' }], ['databaseUrl', 'postgres://x/y'], ['surprise', 1], ['directories', []]],
  },
};

const arbitraryRaw = fc.record(Object.fromEntries(Object.entries(POOLS).map(([k, { good, bad }]) =>
  [k, fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) })]))).map((picked) => {
  const raw: Record<string, unknown> = { role: 'relay' };
  for (const [k, v] of Object.entries(picked)) {
    if (v === absent) continue;
    if (k === 'extra') { const [key, value] = v as [string, unknown]; raw[key] = structuredClone(value); } else raw[k] = structuredClone(v);
  }
  return raw;
});

function schemaVerdict(raw: Record<string, unknown>): { ok: true; value: unknown } | { ok: false } {
  try { return { ok: true, value: relaySubset(validateConfig(raw)) }; } catch (err) {
    if (isConfigInvalid(err)) return { ok: false };
    throw err;
  }
}

describe('relay config check (hand-written, without the schema library)', () => {
  it('never accepts what the schema refuses, and yields exactly what the schema yields', () => {
    let fast = 0;
    fc.assert(fc.property(arbitraryRaw, (raw) => {
      const mine = checkRelayConfig(structuredClone(raw));
      const schema = schemaVerdict(structuredClone(raw));
      if (mine === undefined) return;
      fast++;
      assert.ok(schema.ok, `accepted by the relay check but refused by the schema: ${JSON.stringify(raw)}`);
      assert.deepStrictEqual(mine, schema.value);
    }), { numRuns: 3000, seed: 1012 });
    assert.ok(fast > 200, `the fast path was taken ${fast} times: the generator must reach it`);
  });

  it('takes the fast path for the configs a relay really has', () => {
    for (const raw of [
      { role: 'relay', dataDir: '/var/lib/keyhatch' },
      { role: 'relay', dataDir: '/d', listen: '127.0.0.1:7788', gateway: { urls: ['https://gw.corp.example'], pin: PIN }, log: { level: 'debug' } },
      { role: 'relay', dataDir: 'C:\\ProgramData\\Keyhatch', kiosk: { language: 'de', idleSeconds: 120 }, http: { allowedHosts: ['pc1'] } },
      { role: 'relay', dataDir: '/d', gateway: { urls: ['https://gw.corp.example'], pin: PIN, certFile: '/etc/pki/pc1.crt', keyFile: '/etc/pki/pc1.key', caFile: '/etc/pki/site-ca.crt' } },
    ]) assert.ok(checkRelayConfig(raw), JSON.stringify(raw));
  });

  it('leaves everything it does not judge to the schema, whose error names the key', async () => {
    const refused = async (raw: Record<string, unknown>, text: RegExp) => {
      await assert.rejects(validateForRole(raw), (err: unknown) => isConfigInvalid(err) && text.test(err.message));
    };
    await refused({ role: 'relay', dataDir: '/d', ad: { urls: ['ldaps://dc'], baseDn: 'DC=x', bindDn: 'svc' } }, /ad: not allowed in the relay role/);
    await refused({ role: 'relay', dataDir: '/d', databaseUrl: 'postgres://x/y' }, /databaseUrl: not allowed in the relay role/);
    await refused({ role: 'relay', dataDir: '/d', kiosk: { idleSeconds: 5 } }, /kiosk\.idleSeconds: /);
    await refused({ role: 'relay', dataDir: '/d', gateway: { urls: ['http://gw'] } }, /gateway\.urls\.0: must be an https:\/\/ URL/);
    await refused({ role: 'relay', dataDir: '/d', surprise: 1 }, /unknown key\(s\) "surprise"/);
    // Valid on the fast path, but only loopback: the relay serves plain HTTP.
    await refused({ role: 'relay', dataDir: '/d', listen: '0.0.0.0:7788' }, /listen: 0\.0\.0\.0:7788 is not a loopback address/);
  });

  it('loads a relay config from the environment as the schema would, frozen', async () => {
    const env = { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: '/var/lib/keyhatch', KEYHATCH_GATEWAY_URL: 'https://a.example, https://b.example', KEYHATCH_GATEWAY_PIN: PIN };
    const c = await loadRoleConfig({ env, secrets: () => { throw new Error('a relay config has no secret to look up'); } });
    assert.equal(c.role, 'relay');
    assert.deepEqual(c, relaySubset(validateConfig({ role: 'relay', dataDir: '/var/lib/keyhatch', gateway: { urls: ['https://a.example', 'https://b.example'], pin: PIN } })));
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.gateway));
    // A directory secret handed to a relay is refused (by the schema, naming the key), not ignored.
    await assert.rejects(loadRoleConfig({ env: { ...env, KEYHATCH_AD_BIND_PASSWORD: 'x' }, secrets: () => ({ get: async () => undefined }) }), /invalid configuration: ad\./);
    await assert.rejects(validateForRole({ role: 'relay', dataDir: '/d', ad: { urls: ['ldaps://dc'], baseDn: 'DC=x', bindDn: 'svc', bindPassword: 'x' } }), /ad: not allowed in the relay role/);
  });

  it('a gateway or standalone config still goes through the schema whole', async () => {
    const c = await validateForRole({ dataDir: '/d' });
    assert.equal(c.role, 'standalone');
    assert.equal('recovery' in c && c.recovery.sessionSeconds, 600);
  });
});
