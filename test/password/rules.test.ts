import assert from 'node:assert/strict';
import { characterCategories, checkPassword, displayNameTokens } from '../../daemon/src/password/rules.js';
import type { PasswordPolicy } from '../../daemon/src/password/policy.js';
import { adIntervalToMinutes } from '../../daemon/src/password/policy.js';

const policy: PasswordPolicy = {
  source: 'domain', minLength: 8, maxLength: 256, complexity: true, historyLength: 24, minAgeDays: 0, maxAgeDays: 42,
  lockoutThreshold: 5, lockoutDurationMinutes: 30, lockoutWindowMinutes: 30, bannedWords: ['keyhatch'],
};
const codes = (pw: string, p = policy, s = { accountName: 'jdoe', displayName: 'Doe, Jonathan-Q' }) => checkPassword(pw, p, s).map((v) => v.code);

describe('password rules', () => {
  it('passes a good password', () => assert.deepEqual(codes('Tr0ub4dor&3x'), []));
  it('collects every violation with stable codes', () => {
    assert.deepEqual(codes('abc'), ['too_short', 'complexity']);
    assert.deepEqual(codes('x'.repeat(257)), ['too_long', 'complexity']);
    assert.deepEqual(codes('MyJdoe-Pass1'), ['contains_username', 'contains_display_name'], '"doe" is also a display-name token');
    assert.deepEqual(codes('MyJdoe-Pass1', policy, { accountName: 'jdoe', displayName: 'Jonathan' }), ['contains_username']);
    assert.deepEqual(codes('Jonathan#2026'), ['contains_display_name']);
    assert.deepEqual(codes('Keyhatch-2026!'), ['banned']);
  });
  it('counts AD complexity categories (upper, lower, digit, symbol, other letters)', () => {
    assert.equal(characterCategories('abc'), 1);
    assert.equal(characterCategories('aB1'), 3);
    assert.equal(characterCategories('aB1!'), 4);
    assert.equal(characterCategories('密码Ab'), 3);
    assert.deepEqual(codes('ÄÖÜäöü12'), []);
  });
  it('applies the name-token rules only with complexity on, and ignores tokens under 3 characters', () => {
    assert.deepEqual(displayNameTokens('Doe, Jo-Anne_Li#Smith\tX'), ['doe', 'anne', 'smith']);
    assert.deepEqual(codes('jdoe-lowercase', { ...policy, complexity: false }), []);
    assert.deepEqual(codes('Jo12!abcdefg', policy, { accountName: 'jo', displayName: 'Jo Li' }), []);
  });
  it('counts length in code points, not UTF-16 units', () => {
    assert.deepEqual(codes('😀😀😀😀😀😀😀Aa1', { ...policy, minLength: 10 }), []);
  });
  it('converts AD intervals', () => {
    assert.equal(adIntervalToMinutes('-18000000000'), 30);
    assert.equal(adIntervalToMinutes('-9223372036854775808'), null);
    assert.equal(adIntervalToMinutes(''), null);
  });
});
