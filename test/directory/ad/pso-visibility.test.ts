// `doctor` warns when fine-grained password policies exist that the service account cannot read
// (issue 9): a PSO made with samba-tool, one account granted Read on the Password Settings
// Container, one with Samba's default (it lists the PSO's name but cannot read its settings), one
// denied even the listing (only the users' msDS-ResultantPSO shows the PSO exists).
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../../support/global-domain.js';
import { DomainAdmin } from '../../support/domain-admin.js';
import { adConfig, adEnv } from '../../support/ad-env.js';
import { runKeyhatch } from '../../support/cli.js';
import { rememberSecret } from '../../support/run-dir.js';
import { delegationSddl, SERVICE_PASSWORD } from '../../support/seed.js';
import { AdConnection } from '../../../daemon/src/directory/ad/connection.js';
import { AdDirectory } from '../../../daemon/src/directory/ad/ad-directory.js';
import { MemoryAudit } from '../../../daemon/src/log/audit.js';
import { isKeyhatchError } from '../../../daemon/src/errors/catalogue.js';
import { checkPasswordPolicyVisibility } from '../../../daemon/src/directory/ad/pso-visibility.js';
import { formatChecks } from '../../../daemon/src/core/doctor.js';
import { silentLogger } from '../../../daemon/src/log/logger.js';
import type { AdConfig } from '../../../daemon/src/config/schema.js';

describe('doctor: fine-grained password policies the service account cannot read (Samba AD DC)', function () {
  let d: TestDomain;
  let admin: DomainAdmin;
  const tag = `h${process.pid % 10000}`;
  const pso = `${tag}-Contractors`;
  let container: string;
  let member: string;
  const accounts = { reader: `${tag}-reader`, blind: `${tag}-blind`, nolist: `${tag}-nolist` };
  const upn = (name: string) => `${name}@${d.dc.dnsDomain}`;

  async function check(account: string) {
    const cfg = adConfig(d, { bindDn: upn(account), bindPassword: SERVICE_PASSWORD }).ad as AdConfig;
    const conn = new AdConnection(cfg, silentLogger);
    try { return await checkPasswordPolicyVisibility(conn, cfg.baseDn); } finally { await conn.close(); }
  }

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(SERVICE_PASSWORD);
    container = `CN=Password Settings Container,CN=System,${d.dc.baseDn}`;
    // A second PSO, made the way an admin would, applied to a group with one user in scope.
    const group = `CN=${tag} Contractors,${d.seed.groupsOu}`;
    await admin.addGroup(group, `${tag}Contractors`);
    member = `${tag}-con1`;
    await admin.addMember(group, await admin.addUser({ name: member, password: `Con-${tag}-Passw0rd!` }, d.seed.peopleOu));
    await d.dc.sambaTool(['domain', 'passwordsettings', 'pso', 'create', pso, '20', '--min-pwd-length=12', '--history-length=6']);
    await d.dc.sambaTool(['domain', 'passwordsettings', 'pso', 'apply', pso, `${tag}Contractors`]);
    // Three service accounts, each delegated the reset rights on People (so only the PSO check differs).
    const sddl: string[] = [];
    for (const name of Object.values(accounts)) {
      const dn = await admin.addUser({ name, password: SERVICE_PASSWORD, ou: d.seed.serviceOu }, d.seed.serviceOu);
      sddl.push(delegationSddl(await admin.sidOf(dn)));
    }
    await d.dc.sambaTool(['dsacl', 'set', `--objectdn=${d.seed.peopleOu}`, `--sddl=${sddl.join('')}`]);
    const sid = async (name: string) => admin.sidOf(`CN=${name},${d.seed.serviceOu}`);
    await d.dc.sambaTool(['dsacl', 'set', `--objectdn=${container}`, `--sddl=(A;CI;RPLCLORC;;;${await sid(accounts.reader)})`]);
    await d.dc.sambaTool(['dsacl', 'set', `--objectdn=${container}`, `--sddl=(D;;LCRP;;;${await sid(accounts.nolist)})`]);
  });
  after(async () => { await admin?.close(); });

  it('passes for an account granted Read on the Password Settings Container (every PSO counted)', async () => {
    const c = await check(accounts.reader);
    assert.equal(c.ok, true, c.detail);
    assert.equal(c.warn, undefined, c.detail);
    // Other test files may add PSOs to the shared domain: at least the seed's and this one.
    assert.ok(Number(/^(\d+) fine-grained policies readable$/.exec(c.detail)?.[1]) >= 2, c.detail);
    assert.match(formatChecks([c]), /^ok +read password policies:/);
  });

  it('warns (not fails) when the account lists the PSOs but cannot read their settings, naming them and their users', async () => {
    const c = await check(accounts.blind);
    assert.equal(c.ok, true, c.detail);
    assert.equal(c.warn, true, c.detail);
    assert.match(c.detail, /cannot read (\d+) of \1 fine-grained password policies/);
    assert.match(c.detail, new RegExp(`CN=${pso},CN=Password Settings Container[^;]*applies to 1 user\\(s\\) in scope: ${member}`));
    assert.match(c.detail, /CN=StrictPSO,CN=Password Settings Container[^;]*carol/);
    assert.match(c.detail, /dsacls "CN=Password Settings Container,CN=System,DC=keyhatch,DC=test" \/I:T \/G/);
    assert.match(formatChecks([c]), /^WARN +read password policies: cannot read/);
  });

  it('warns when the container cannot even be listed: the users\' msDS-ResultantPSO shows the PSOs exist', async () => {
    const c = await check(accounts.nolist);
    assert.equal(c.warn, true, c.detail);
    assert.match(c.detail, /cannot read (\d+) of \1 fine-grained password policies/);
    assert.match(c.detail, new RegExp(`CN=${pso},`));
  });

  it('an unreadable PSO refuses the policy read instead of yielding an empty policy (min length 0)', async () => {
    const policyAs = async (account: string) => {
      const cfg = adConfig(d, { bindDn: upn(account), bindPassword: SERVICE_PASSWORD });
      const dir = new AdDirectory({ config: cfg.ad as AdConfig, dataDir: cfg.dataDir, log: silentLogger, audit: new MemoryAudit() });
      try { return await dir.effectivePolicy((await dir.findUser(member))!); } finally { await dir.close(); }
    };
    const p = await policyAs(accounts.reader);
    assert.equal(p.psoName, pso);
    assert.equal(p.minLength, 12);
    await assert.rejects(policyAs(accounts.blind), (err: unknown) => isKeyhatchError(err) && err.code === 'INSUFFICIENT_RIGHTS');
  });

  it('keyhatch doctor prints the WARN line and still exits 0 when every right is delegated', async function () {
    this.timeout(120_000);
    const r = await runKeyhatch(['doctor'], { ...adEnv(d), KEYHATCH_AD_BIND_DN: upn(accounts.blind) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^WARN +read password policies: cannot read (\d+) of \1 fine-grained password policies/m);
    assert.match(r.stdout, /^ok +Reset Password/m);
  });
});
