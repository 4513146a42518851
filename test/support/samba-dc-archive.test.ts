// SambaDomain.archive()/restore(): how the discovery bench keeps a DC loaded with 100,000 users
// between runs. The restored DC lives in a new directory at another address, serves LDAPS with a
// certificate for that address, and still holds what was written before the archive (Kerberos
// proves the account and its password survived).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SambaDomain } from './samba-dc.js';
import { DomainAdmin } from './domain-admin.js';
import { SEED_PASSWORD } from './seed.js';
import { freshDir, rememberSecret } from './run-dir.js';

// Addresses of their own (never the defaults other tests pick from 127.0.0.11 up).
const [FIRST, SECOND] = (process.env.KEYHATCH_TEST_ARCHIVE_DC_ADDRESSES ?? '127.0.0.212,127.0.0.213').split(',') as [string, string];

describe('SambaDomain archive and restore', function () {
  this.timeout(900_000);
  let dc: SambaDomain | undefined;
  let restored: SambaDomain | undefined;
  after(async () => {
    await restored?.destroy();
    await dc?.destroy();
  });

  it('a restored DC answers at its new address with the accounts of the archived one', async () => {
    dc = await SambaDomain.create({ address: FIRST });
    rememberSecret(dc.adminPassword, SEED_PASSWORD);
    const admin = await DomainAdmin.connect(dc);
    await admin.addUser({ name: 'archived', password: SEED_PASSWORD }, `CN=Users,${dc.baseDn}`);
    await admin.close();
    const file = join(freshDir('archive'), 'dc.tar');
    await assert.rejects(dc.archive(file), /stop the DC/); // a running DC's files are not a consistent copy
    await dc.stop();
    await dc.archive(file);
    await dc.destroy();
    dc = undefined;

    restored = await SambaDomain.restore(file, { address: SECOND });
    assert.equal(restored.address, SECOND);
    // DomainAdmin checks the certificate against the restored DC's new CA and its address.
    const again = await DomainAdmin.connect(restored);
    await again.close();
    assert.equal((await restored.kinit('archived', SEED_PASSWORD)).ok, true);
  });
});
