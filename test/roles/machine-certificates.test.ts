// Machine certificates (an AD CS issuing CA in gateway.machineCaFile) as devices without a join, at
// the registry on both stores: the first calls of a new machine arriving at once — on one gateway,
// or on two gateways sharing the store — register it exactly once and are all accepted; a revoked
// machine stays refused whichever gateway it reaches. (The end-to-end journey through a relay is in
// gateway-relay.test.ts.)
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { DeviceCa } from '../../daemon/src/gateway/device-ca.js';
import { DeviceRegistry, machineDeviceId } from '../../daemon/src/gateway/device-registry.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { createSecretStore } from '../../daemon/src/platform/secret-store.js';
import { createCa, generateKeyPair, importKeyPair, issueCertificate } from '../../daemon/src/pki/x509.js';
import { openStore } from '../../daemon/src/store/open-store.js';
import type { Store } from '../../daemon/src/store/store.js';
import { freshDir } from '../support/run-dir.js';
import { stopTestPostgres, testDatabaseUrl } from '../support/postgres.js';

const backends = [
  { name: 'sqlite', location: async () => ({ dataDir: freshDir('mc-store') }) },
  { name: 'postgres', location: async () => ({ dataDir: freshDir('mc-store-pg'), databaseUrl: await testDatabaseUrl() }) },
];

after(async () => { await stopTestPostgres(); });

for (const backend of backends) {
  describe(`machine certificates at the device registry (${backend.name})`, function () {
    this.timeout(120_000);
    const stores: Store[] = [];
    const audits = [new MemoryAudit(), new MemoryAudit()];
    let gateways: DeviceRegistry[];
    let issuing: { certPem: string; keys: CryptoKeyPair };

    async function machineCert(dnsName: string): Promise<Buffer> {
      const keys = await generateKeyPair();
      const { certPem } = await issueCertificate({ ca: issuing, publicKey: keys.keys.publicKey, commonName: dnsName, days: 1, usage: 'client', names: [dnsName] });
      return new X509Certificate(certPem).raw;
    }

    before(async () => {
      const where = await backend.location();
      stores.push(await openStore(where), await openStore(where)); // two gateways, one store
      const dir = freshDir('mc-gateway');
      const ca = await DeviceCa.open(createSecretStore(join(dir, 'secrets')), dir);
      const made = await createCa('Test Issuing CA (AD CS)', 1);
      issuing = { certPem: made.certPem, keys: await importKeyPair(made.privateKeyPem, made.certPem) };
      gateways = stores.map((store, i) => new DeviceRegistry({ store, ca, audit: audits[i] as MemoryAudit, now: () => Date.now(), certDays: 1, machineCas: [new X509Certificate(made.certPem)] }));
    });
    after(async () => { for (const s of stores) await s.close(); });

    it('40 first calls of one machine at once over two gateways: all accepted, one device, one join in the audit', async () => {
      const dnsName = `pc-${backend.name}-race.corp.example`;
      const raw = await machineCert(dnsName);
      const devices = await Promise.all(Array.from({ length: 40 }, (_, i) => (gateways[i % 2] as DeviceRegistry).authenticate({ authorized: true, raw })));
      assert.deepEqual([...new Set(devices.map((d) => d.id))], [machineDeviceId(dnsName)]);
      assert.equal((await (stores[0] as Store).devices.list()).filter((d) => d.name === dnsName).length, 1);
      const joins = audits.flatMap((a) => a.events).filter((e) => e.action === 'device.join' && e.target === dnsName);
      assert.equal(joins.length, 1, JSON.stringify(joins));
      assert.equal(devices[0]?.domain, 'corp.example');
    });

    it('revoked on one gateway, the machine is refused on both, with a renewed certificate too', async () => {
      const dnsName = `pc-${backend.name}-revoked.corp.example`;
      await (gateways[0] as DeviceRegistry).authenticate({ authorized: true, raw: await machineCert(dnsName) });
      assert.equal(await (gateways[0] as DeviceRegistry).revoke(machineDeviceId(dnsName), 'test'), true);
      const renewed = await machineCert(dnsName);
      for (const g of gateways) {
        await assert.rejects(g.authenticate({ authorized: true, raw: renewed }), (e: unknown) => isKeyhatchError(e, 'DEVICE_REVOKED'));
      }
    });

    it('a certificate the TLS layer did not verify is refused before anything is registered', async () => {
      const dnsName = `pc-${backend.name}-unverified.corp.example`;
      await assert.rejects((gateways[0] as DeviceRegistry).authenticate({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED', raw: await machineCert(dnsName) }),
        (e: unknown) => isKeyhatchError(e, 'DEVICE_UNTRUSTED'));
      assert.equal(await (stores[0] as Store).devices.get(machineDeviceId(dnsName)), undefined);
    });
  });
}
