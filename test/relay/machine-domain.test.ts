// The workstation's domain a relay records at join when `--domain` is not given: the primary DNS
// suffix from Tcpip\Parameters (read through the native addon on Windows; a stand-in registry here).
import assert from 'node:assert/strict';
import { isDomainName, machineDomain, type RegistryRead } from '../../daemon/src/relay/machine-domain.js';

function registry(values: Record<string, number | string | string[]> | null, seen: string[] = []): RegistryRead {
  return { readRegistryTree: async (path) => { seen.push(path); return values && { values, keys: {} }; } };
}

describe('relay: the machine\'s own domain for join', () => {
  it('reads the primary DNS suffix (Domain) from Tcpip\\Parameters under HKLM', async () => {
    const seen: string[] = [];
    assert.equal(await machineDomain(registry({ Domain: 'corp.example', 'NV Domain': 'other.example', Hostname: 'PC1' }, seen)), 'corp.example');
    assert.deepEqual(seen, ['SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters']);
  });

  it('falls back to NV Domain when Domain is empty, and trims', async () => {
    assert.equal(await machineDomain(registry({ Domain: '', 'NV Domain': ' lab.example ' })), 'lab.example');
  });

  it('has none for a workgroup machine, a missing key, a value of another type or a name the gateway would refuse', async () => {
    assert.equal(await machineDomain(registry({ Domain: '', Hostname: 'PC1' })), undefined);
    assert.equal(await machineDomain(registry(null)), undefined);
    assert.equal(await machineDomain(registry({ Domain: 7 })), undefined);
    assert.equal(await machineDomain(registry({ Domain: ['corp.example'] })), undefined);
    assert.equal(await machineDomain(registry({ Domain: 'corp example' })), undefined);
    assert.equal(await machineDomain(registry({ Domain: 'x'.repeat(256) })), undefined);
  });

  it('a registry that fails to answer means no domain, not a failed join', async () => {
    assert.equal(await machineDomain({ readRegistryTree: async () => { throw new Error('access denied'); } }), undefined);
  });

  it('off Windows (no registry) there is none: --domain names it', async () => {
    if (process.platform === 'win32') return;
    assert.equal(await machineDomain(), undefined);
  });

  it('accepts NetBIOS and DNS names only', () => {
    for (const ok of ['CORP', 'corp.example', 'a-b.c1']) assert.equal(isDomainName(ok), true, ok);
    for (const bad of ['', 'corp\\x', 'corp example', 'c@rp', 'é.example', 'x'.repeat(256)]) assert.equal(isDomainName(bad), false, bad);
  });
});
