// The role the MSI recorded (HKLM\SOFTWARE\Keyhatch\Role) is the lowest configuration layer: a
// workstation installed with ROLE=relay runs as a relay with no config file (the service starts
// `keyhatch serve` without --config), while a file, Group Policy or the environment still decide.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_ROOT } from '../../daemon/src/config/policy-map.js';
import { INSTALL_ROOT, RegistryPolicySource } from '../../daemon/src/config/registry-policy-source.js';
import { loadRoleConfig } from '../../daemon/src/config/role-config.js';
import { provenanceOf } from '../../daemon/src/config/provenance.js';
import type { RegistryTree } from '../../daemon/src/platform/native-addon.js';
import { freshDir } from '../support/run-dir.js';

const tree = (values: RegistryTree['values'], keys: RegistryTree['keys'] = {}): RegistryTree => ({ values, keys });
/** The registry as the addon reads it: the MSI's install key and, optionally, a policy key. */
function registry(installed: RegistryTree | null, policy: RegistryTree | null = null): RegistryPolicySource {
  return new RegistryPolicySource({
    readRegistryTree: async (p) => (p === INSTALL_ROOT ? installed : p === POLICY_ROOT ? policy : null),
    watchRegistryTree: () => ({ close() {} }),
  });
}

describe('the installed role (HKLM\\SOFTWARE\\Keyhatch\\Role) as the lowest config layer', () => {
  it('an MSI install with ROLE=relay and no config file runs the relay, and says where the role came from', async () => {
    const dir = freshDir('installed-role');
    const config = await loadRoleConfig({ env: { KEYHATCH_DATA_DIR: dir }, policy: registry(tree({ InstallDir: 'C:\\Program Files\\Keyhatch\\', Role: 'relay', ConfigFile: '' })) });
    assert.equal(config.role, 'relay');
    assert.deepEqual(provenanceOf(config).find((o) => o.path === 'role'), { path: 'role', value: '"relay"', source: 'install', where: 'HKLM\\SOFTWARE\\Keyhatch\\Role' });
  });

  it('the file, Group Policy and the environment each override it', async () => {
    const dir = freshDir('installed-role');
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ role: 'gateway', tls: { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') }, ad: { urls: ['ldaps://dc.example.com'], baseDn: 'DC=example,DC=com', bindDn: 'svc@example.com' } }));
    const relay = registry(tree({ Role: 'relay' }));
    assert.equal((await loadRoleConfig({ file, env: { KEYHATCH_DATA_DIR: dir }, policy: relay })).role, 'gateway');
    assert.equal((await loadRoleConfig({ env: { KEYHATCH_DATA_DIR: dir }, policy: registry(tree({ Role: 'standalone' }), tree({ Role: 'relay' })) })).role, 'relay');
    assert.equal((await loadRoleConfig({ env: { KEYHATCH_DATA_DIR: dir, KEYHATCH_ROLE: 'relay' }, policy: registry(tree({ Role: 'gateway' })) })).role, 'relay');
  });

  it('no install key, or an empty Role, leaves the default (standalone)', async () => {
    const { loadRawConfig } = await import('../../daemon/src/config/layers.js');
    for (const installed of [null, tree({ Role: '' }), tree({ Role: 7 })]) {
      const raw = await loadRawConfig({ env: { KEYHATCH_DATA_DIR: freshDir('installed-role') }, policy: registry(installed) });
      assert.equal(raw.role, undefined, JSON.stringify(installed));
    }
  });
});
