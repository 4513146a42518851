// A locked-out user is the main customer of a reset: the reset must work on a locked account on
// both reset paths (policy-hints control, and the two-step reset Samba needs).
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../../support/global-domain.js';
import { DomainAdmin } from '../../support/domain-admin.js';
import { adConfig } from '../../support/ad-env.js';
import { freshDir, rememberSecret } from '../../support/run-dir.js';
import { AdDirectory } from '../../../daemon/src/directory/ad/ad-directory.js';
import { MemoryAudit } from '../../../daemon/src/log/audit.js';
import { silentLogger } from '../../../daemon/src/log/logger.js';
import type { AdConfig } from '../../../daemon/src/config/schema.js';

describe('resetting a locked-out account (Samba AD DC)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  const open: AdDirectory[] = [];
  let n = 0;

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
  });
  after(async () => {
    await Promise.all(open.map((o) => o.close()));
    await admin?.close();
  });

  for (const strategy of ['two-step', 'auto'] as const) {
    it(`resets a locked account (${strategy}), which then signs in with the new password only`, async () => {
      const cfg = adConfig(d, { resetStrategy: strategy } as Partial<AdConfig>, freshDir('locked-reset'));
      const dir = new AdDirectory({ config: cfg.ad as AdConfig, dataDir: cfg.dataDir, log: silentLogger, audit: new MemoryAudit() });
      open.push(dir);
      const name = `lk${process.pid % 1000}x${++n}`;
      const password = `Start-${n}-Passw0rd!`;
      const fresh = `Fresh-${n}-Passw0rd!x`;
      rememberSecret(password); rememberSecret(fresh);
      const dn = await admin.addUser({ name, password, displayName: `Locked User${n}` }, d.seed.peopleOu);
      await admin.lockOut(dn);
      const user = await dir.findUser(name);
      assert.ok(user);
      assert.equal((await dir.accountStatus(user)).locked, true, 'precondition: locked');
      await dir.resetPassword(user, fresh, { actor: 'test', correlationId: `lr-${strategy}`, operationId: `lr-${strategy}-${n}` });
      assert.equal((await dir.accountStatus(user)).locked, false, 'the reset leaves the account usable');
      assert.equal((await d.dc.kinit(name, fresh)).ok, true, 'new password works');
      assert.equal((await d.dc.kinit(name, password)).ok, false, 'old password does not');
    });
  }
});
