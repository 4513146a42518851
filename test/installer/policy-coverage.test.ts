// Every value a Group Policy writes is read by the daemon or the credential provider, and every
// value they read has a policy; each daemon value, read back through the policy source, lands in
// the effective config under its key and is reported by provenance as coming from policy.
// Runs on Linux without Wine (the registry itself is exercised by install.wine.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../daemon/src/config/load.js';
import { POLICY_VALUES, POLICY_ROOT } from '../../daemon/src/config/policy-map.js';
import { provenanceOf } from '../../daemon/src/config/provenance.js';
import { RegistryPolicySource, policyFromTree } from '../../daemon/src/config/registry-policy-source.js';
import type { RegistryTree } from '../../daemon/src/platform/native-addon.js';
import { KEYHATCH_PROVIDER_CLSID } from '../../daemon/src/preflight/provider-clsid.js';
import { repoRoot } from '../native/support/wine.js';
import { children, child, parseXml } from './support/xml.js';

const admx = parseXml(fs.readFileSync(path.join(repoRoot, 'installer/admx/Keyhatch.admx'), 'utf8'));
const policyCpp = fs.readFileSync(path.join(repoRoot, 'native/credential-provider/src/policy.cpp'), 'utf8');
const guidH = fs.readFileSync(path.join(repoRoot, 'native/credential-provider/src/guid.h'), 'utf8');

/** "Key\\Value" → registry type the ADMX writes. */
function admxWrites(): Map<string, 'dword' | 'string'> {
  const out = new Map<string, 'dword' | 'string'>();
  for (const p of children(child(admx, 'policies'), 'policy')) {
    if (p.attrs.valueName) out.set(`${p.attrs.key}\\${p.attrs.valueName}`, 'dword');
    for (const el of children(p, 'elements')[0]?.children ?? []) {
      const type = el.name === 'decimal' ? 'dword' : el.name === 'enum' ? (child(child(children(el, 'item')[0]!, 'value'), 'string') ? 'string' : 'dword') : 'string';
      out.set(`${el.attrs.key ?? p.attrs.key}\\${el.attrs.valueName}`, type);
    }
  }
  return out;
}

const loc = (key: string, name: string): string => `${POLICY_ROOT}${key ? `\\${key}` : ''}\\${name}`;

/** A plausible value per daemon policy, as the ADMX would write it. */
const SAMPLE: Record<string, number | string> = {
  Role: 'relay', LogLevel: 'debug', GatewayUrls: 'https://gw1.corp.example, https://gw2.corp.example',
  GatewayPin: `sha256/${'A'.repeat(43)}=`, IdleSeconds: 120, Language: 'de', EnabledFactors: 'email,totp',
  UnlockFactors: 2, UnlockMinWeight: 3, ResetFactors: 2, ResetMinWeight: 4, UpdateCachedCredentials: 0, HostName: 'keyhatch-kiosk.corp.example',
};

function treeOf(values: ReadonlyArray<{ key: string; name: string; value: number | string }>): RegistryTree {
  const root: RegistryTree = { values: {}, keys: {} };
  for (const v of values) {
    const node = v.key ? (root.keys[v.key] ??= { values: {}, keys: {} }) : root;
    node.values[v.name] = v.value;
  }
  return root;
}

describe('Group Policy coverage: ADMX ↔ daemon ↔ credential provider', () => {
  it('the ADMX writes exactly the values in daemon/src/config/policy-map.ts, with the same types', () => {
    const writes = admxWrites();
    const expected = new Map(POLICY_VALUES.map((v) => [loc(v.key, v.name), v.type === 'dword' || v.type === 'flag' ? 'dword' : 'string']));
    assert.deepEqual([...writes.keys()].sort(), [...expected.keys()].sort());
    for (const [k, t] of writes) assert.equal(t, expected.get(k), `${k}: the ADMX writes ${t}`);
  });

  it('every provider value is read by the DLL and every value the DLL reads is in the map', () => {
    const dll = [...policyCpp.matchAll(/Read(?:DwordFlag|String)\(key, L"([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(POLICY_VALUES.filter((v) => v.reader === 'provider').map((v) => v.name).sort(), dll);
  });

  it('every daemon value changes the effective config at its key, and provenance says "policy" with the registry location', async () => {
    const daemonValues = POLICY_VALUES.filter((v) => v.reader === 'daemon');
    for (const v of daemonValues) assert.ok(v.name in SAMPLE, `no sample for ${v.name}`);
    const tree = treeOf(daemonValues.map((v) => ({ key: v.key, name: v.name, value: SAMPLE[v.name] as number | string })));
    const source = new RegistryPolicySource({ readRegistryTree: async (p) => (p === POLICY_ROOT ? tree : null), watchRegistryTree: () => ({ close() {} }) });
    const config = await loadConfig({ env: {}, policy: source });
    const origins = new Map(provenanceOf(config).map((o) => [o.path, o]));
    for (const v of daemonValues) {
      const value = (v.path as string).split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
      const sample = SAMPLE[v.name];
      const expected = v.type === 'list' ? String(sample).split(',').map((s) => s.trim()) : v.type === 'flag' ? sample !== 0 : sample;
      assert.deepEqual(value, expected, `${v.path} from ${v.name}`);
      const origin = origins.get(v.path as string);
      assert.equal(origin?.source, 'policy', `${v.path} provenance`);
      assert.equal(origin?.where, `HKLM\\${loc(v.key, v.name)}`);
    }
  });

  it('precedence: environment over policy over file over default', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhatch-policy-'));
    try {
      const file = path.join(dir, 'c.json');
      fs.writeFileSync(file, JSON.stringify({ log: { level: 'warn' }, kiosk: { idleSeconds: 600 }, listen: '127.0.0.1:9000' }));
      const tree = treeOf([{ key: '', name: 'LogLevel', value: 'debug' }, { key: 'Kiosk', name: 'IdleSeconds', value: 90 }]);
      const source = new RegistryPolicySource({ readRegistryTree: async () => tree, watchRegistryTree: () => ({ close() {} }) });
      const config = await loadConfig({ file, env: { KEYHATCH_LOG_LEVEL: 'error' }, policy: source });
      const o = new Map(provenanceOf(config).map((x) => [x.path, x]));
      assert.deepEqual([config.log.level, o.get('log.level')?.source, o.get('log.level')?.where], ['error', 'env', 'KEYHATCH_LOG_LEVEL']);
      assert.deepEqual([config.kiosk.idleSeconds, o.get('kiosk.idleSeconds')?.source], [90, 'policy']);
      assert.deepEqual([config.listen, o.get('listen')?.source, o.get('listen')?.where], ['127.0.0.1:9000', 'file', file]);
      assert.equal(o.get('rateLimits.attempts')?.source, 'default');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('a value of the wrong registry type is ignored and reported; an invalid value fails validation naming the key', async () => {
    const { config, ignored } = policyFromTree(treeOf([{ key: 'Kiosk', name: 'IdleSeconds', value: 'ninety' }, { key: '', name: 'Role', value: 7 }]));
    assert.deepEqual(config, {});
    assert.equal(ignored.length, 2);
    const bad = new RegistryPolicySource({ readRegistryTree: async () => treeOf([{ key: 'Kiosk', name: 'IdleSeconds', value: 5 }]), watchRegistryTree: () => ({ close() {} }) });
    await assert.rejects(loadConfig({ env: {}, policy: bad }), /kiosk\.idleSeconds/);
  });

  it('the preflight knows the provider by the CLSID the DLL registers', () => {
    assert.match(guidH, new RegExp(KEYHATCH_PROVIDER_CLSID.replace(/[{}]/g, '\\$&')));
  });
});
