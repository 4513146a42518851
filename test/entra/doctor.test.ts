// `keyhatch doctor` checks for Entra ID, against the Graph emulator.
import assert from 'node:assert/strict';
import { checkEntra } from '../../daemon/src/directory/entra/doctor.js';
import { ROLE, startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { makeDirectory } from './helpers.js';

describe('checkEntra (doctor)', () => {
  let g: GraphEmulator;
  beforeEach(async () => { g = await startGraphEmulator({ users: [{ userPrincipalName: 'ann@contoso.test' }] }); });
  afterEach(async () => { await g.close(); });

  it('all checks pass for a correctly registered app', async () => {
    const checks = await checkEntra(makeDirectory(g).dir);
    assert.deepEqual(checks.filter((c) => !c.ok), []);
    assert.deepEqual(checks.map((c) => c.name), ['Entra token', 'Graph permission User.ReadWrite.All', 'Graph permission GroupMember.Read.All',
      'Graph permission IdentityRiskyUser.ReadWrite.All', 'Graph permission Domain.Read.All', 'Entra directory role', 'Graph users']);
    assert.match(checks.find((c) => c.name === 'Entra directory role')!.detail, /^User Administrator/);
    g.state.appPermissions.push('Domain.Read.All');
    const withDomains = await checkEntra(makeDirectory(g).dir);
    assert.match(withDomains.find((c) => c.name === 'Graph permission Domain.Read.All')!.detail, /^granted \(Domain\.Read\.All; password-expiry/);
  });

  it('names the missing directory role', async () => {
    g.state.appDirectoryRoles = [];
    const checks = await checkEntra(makeDirectory(g).dir);
    const role = checks.find((c) => c.name === 'Entra directory role')!;
    assert.equal(role.ok, false);
    assert.match(role.detail, /MISSING: assign the directory role User Administrator/);
  });

  it('accepts Password Administrator and names the missing permissions', async () => {
    g.state.appDirectoryRoles = [ROLE.passwordAdministrator];
    g.state.appPermissions = ['User.Read.All'];
    const checks = await checkEntra(makeDirectory(g).dir);
    assert.equal(checks.find((c) => c.name === 'Entra directory role')?.ok, true);
    assert.match(checks.find((c) => c.name === 'Graph permission User.ReadWrite.All')!.detail, /MISSING: application permission User\.ReadWrite\.All/);
    assert.equal(checks.find((c) => c.name === 'Graph permission GroupMember.Read.All')?.ok, false);
    assert.match(checks.find((c) => c.name === 'Graph permission IdentityRiskyUser.ReadWrite.All')!.detail, /not granted \(optional\)/);
    assert.match(checks.find((c) => c.name === 'Graph permission Domain.Read.All')!.detail, /not granted \(optional\): password-expiry reminders/);
  });

  it('stops at a failed token acquisition and says why, without the secret', async () => {
    g.state.clientSecret = 'rotated-on-the-portal';
    const checks = await checkEntra(makeDirectory(g).dir);
    assert.equal(checks.length, 1);
    assert.equal(checks[0]?.ok, false);
    assert.match(checks[0]!.detail, /SERVICE_BIND_FAILED.*AADSTS7000215/);
    assert.ok(!checks[0]!.detail.includes(g.clientSecret));
  });
});
