// `keyhatch targets|sync|population|reminders` against Samba, through the CLI entry point
// (runCli with captured output; non-TTY output is plain lines).
import assert from 'node:assert/strict';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { adEnv } from '../support/ad-env.js';
import { runCli } from '../../daemon/src/cli/main.js';

describe('keyhatch targets / sync / population / reminders (CLI, Samba)', function () {
  this.timeout(120_000);
  let d: TestDomain;
  let env: Record<string, string>;
  let group = '';

  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: async () => '', env });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    const admin = await DomainAdmin.connect(d.dc);
    group = `CN=Cli Targets,${d.seed.groupsOu}`;
    await admin.addGroup(group, 'Cli Targets');
    await admin.addUser({ name: 'cli-a', password: 'Cli-Passw0rd-1!', mail: 'cli-a@mail.keyhatch.test', displayName: 'Cli Person' }, d.seed.peopleOu);
    await admin.addMember(group, `CN=cli-a,${d.seed.peopleOu}`);
    await admin.close();
    env = adEnv(d);
  });

  it('searches, adds and lists target groups; refuses a group that does not exist', async () => {
    const s = await cli('targets', 'search', 'Cli Targ');
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^Cli Targets\tCN=Cli Targets,OU=Groups,/);
    assert.equal((await cli('targets', 'list')).stdout, 'no target groups: every user under the base DN is in scope');
    const add = await cli('targets', 'add', group);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /default: 1 target group\(s\); the next sync is a full one/);
    const bad = await cli('targets', 'add', `CN=No Such Group,${d.seed.groupsOu}`);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /NOT_FOUND/);
    assert.match((await cli('targets', 'list')).stdout, /^default\tCli Targets\tCN=Cli Targets/);
    assert.equal((await cli('targets', 'frobnicate')).code, 2);
  });

  it('sync prints progress lines and a summary; population list filters by status', async () => {
    const s = await cli('sync');
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /default: users \d+/);
    assert.match(s.stdout, /default: full sync: \d+ read, 1 written/);
    assert.match((await cli('sync')).stdout, /default: incremental sync/);
    const full = await cli('sync', '--full');
    assert.match(full.stdout, /default: full sync/);
    const list = await cli('population', 'list', '--status', 'discovered');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^DISCOVERED {3}default\tcli-a\tCli Person\t/m);
    assert.match(list.stdout, /1 of 1 shown; licensed users: 1/);
    assert.match((await cli('population', 'list', '--status', 'ENROLLED')).stdout, /^0 of 0 shown/);
    assert.equal((await cli('population', 'list', '--status', 'bogus')).code, 2);
    const json = JSON.parse((await cli('population', 'list', '--json')).stdout);
    assert.equal(json.users[0].accountName, 'cli-a');
  });

  it('reminders --dry-run reports and sends nothing; without --dry-run it needs smtp', async () => {
    const dry = await cli('reminders', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would-send\s+campaign\s+default\tcli-a\tcli-a@mail\.keyhatch\.test/);
    assert.match(dry.stdout, /mail\(s\) would be sent/);
    const real = await cli('reminders');
    assert.equal(real.code, 2);
    assert.match(real.stderr, /smtp is not configured/);
    assert.equal((await cli('targets', 'remove', group)).code, 0);
  });
});
