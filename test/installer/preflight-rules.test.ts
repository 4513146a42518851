// The logon-link rules as data: each documented setting is flagged only in its harmful state, and
// each problem names what it breaks and its fix. (The real registry is read in msi.test.ts under Wine.)
import assert from 'node:assert/strict';
import { changedPaths } from '../../daemon/src/config/policy-watch.js';
import { LOGON_LINK_RULES, type RegValue } from '../../daemon/src/preflight/logon-link-settings.js';
import { KEYHATCH_PROVIDER_CLSID } from '../../daemon/src/preflight/provider-clsid.js';

const HARMFUL: Record<string, RegValue[]> = {
  DontDisplayLastUserName: [1], HideFastUserSwitching: [1], NoLockScreen: [1], DisableLockScreenAppNotifications: [1],
  scforceoption: [1], CustomShell: ['C:\\kiosk\\shell.exe'], EnableLUA: [0], ExcludedCredentialProviders: [`{0000},${KEYHATCH_PROVIDER_CLSID.toLowerCase()}`, 1],
  PerUserProxy: [undefined, 1], DelayedDesktopSwitchTimeout: [0],
};
const HARMLESS: Record<string, RegValue[]> = {
  DontDisplayLastUserName: [0], HideFastUserSwitching: [0], NoLockScreen: [0], DisableLockScreenAppNotifications: [0],
  scforceoption: [0], CustomShell: ['explorer.exe'], EnableLUA: [1], ExcludedCredentialProviders: ['{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}', 0],
  PerUserProxy: [0, 1], DelayedDesktopSwitchTimeout: [5],
};

describe('logon-link preflight rules', () => {
  it('covers the ten settings Microsoft documents', () => {
    assert.deepEqual(LOGON_LINK_RULES.map((r) => r.id).sort(), Object.keys(HARMFUL).sort());
  });
  for (const rule of LOGON_LINK_RULES) {
    it(`${rule.id}: flagged when harmful, quiet when not or unset, with what it breaks and the fix`, () => {
      const values = (vals: RegValue[]) => new Map(rule.reads.map((loc, i) => [loc, vals[i]]));
      assert.ok(rule.problem(values(HARMFUL[rule.id] as RegValue[])), 'not flagged');
      assert.equal(rule.problem(values(HARMLESS[rule.id] as RegValue[])), undefined);
      assert.equal(rule.problem(new Map()), undefined, 'an unset setting is the Windows default and harmless');
      assert.ok(rule.breaks.length > 20 && rule.fix.length > 10);
    });
  }
  it('policy changes are detected per config path, identical re-reads are not', () => {
    assert.deepEqual(changedPaths({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 1, c: [1, 2] }, d: 'x' }), []);
    assert.deepEqual(changedPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1] }, e: true }).sort(), ['a.b', 'a.c', 'e']);
  });
});
