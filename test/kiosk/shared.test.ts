// Plain modules shared by the kiosk and the portal, under Node.
import assert from 'node:assert/strict';
import { crossedThreshold, formatSeconds, isWarning, secondsLeft } from '../../kiosk-ui/src/shared/countdown.js';
import { actionsFor, remainingFactors, secretFromFragment, unlockWithReset } from '../../kiosk-ui/src/shared/flow.js';
import { Translator, format, negotiateLocale } from '../../kiosk-ui/src/shared/i18n.js';
import { checklist, strength, violationsOf } from '../../kiosk-ui/src/shared/password.js';
import type { PolicyView } from '../../kiosk-ui/src/shared/api.js';
import { checkPassword } from '../../daemon/src/password/rules.js';

const policy: PolicyView = { minLength: 8, maxLength: 256, complexity: true, historyLength: 24, bannedWords: ['contoso'], source: 'domain' };
const subject = { accountName: 'jsmith', displayName: 'Joanna Smith' };

describe('kiosk shared modules', () => {
  describe('i18n', () => {
    it('negotiates: exact tag, then language, then the default', () => {
      const have = ['en', 'de', 'fr', 'es', 'nl'];
      assert.equal(negotiateLocale(['de-AT', 'en'], have), 'de');
      assert.equal(negotiateLocale([null, 'pt-BR', 'nl_BE'], have), 'nl');
      assert.equal(negotiateLocale(['ja-JP'], have, 'fr'), 'fr');
      assert.equal(negotiateLocale([], ['de'], 'en'), 'de', 'falls back to what exists');
    });
    it('formats placeholders and falls back to English, then to the key', () => {
      assert.equal(format('Time left: {time}', { time: '9:05' }), 'Time left: 9:05');
      assert.equal(format('{a} {b}', { a: 1 }), '1 {b}');
      const t = new Translator('de', { a: 'A-de' }, { a: 'A-en', b: 'B-en' });
      assert.deepEqual([t.t('a'), t.t('b'), t.t('c')], ['A-de', 'B-en', 'c']);
    });
  });

  describe('password checklist (the daemon rules module, live)', () => {
    it('lists each applicable rule ticked or not, in a fixed order', () => {
      const rows = checklist('joanna', '', policy, subject);
      assert.deepEqual(rows.map((r) => `${r.id}:${r.ok}`), ['length:false', 'max:true', 'complexity:false', 'username:true', 'displayName:false', 'banned:true', 'match:false']);
      const good = checklist('Maple-Winter-2026!', 'Maple-Winter-2026!', policy, subject);
      assert.ok(good.every((r) => r.ok));
      assert.equal(checklist('Contoso-Winter-26!', 'x', policy, subject).find((r) => r.id === 'banned')?.ok, false);
    });
    it('agrees with the server-side checker exactly', () => {
      for (const pw of ['', 'jsmith1!A', 'Smith-2026!x', 'aaaaaaaa', 'Maple-Winter-2026!', 'ÄÖÜäöü12', 'contoso-X1!']) {
        assert.deepEqual(violationsOf(pw, policy, subject), checkPassword(pw, { ...policy, minAgeDays: 0, maxAgeDays: null, lockoutThreshold: 0, lockoutDurationMinutes: 0, lockoutWindowMinutes: 0 }, subject), pw);
      }
    });
    it('drops complexity-only rules when complexity is off', () => {
      const ids = checklist('x', 'x', { ...policy, complexity: false, bannedWords: [] }, subject).map((r) => r.id);
      assert.deepEqual(ids, ['length', 'max', 'match']);
    });
    it('rates strength from very weak to strong', () => {
      assert.equal(strength(''), 0);
      assert.equal(strength('password'), 0);
      assert.ok(strength('Summer2026') <= 2);
      assert.equal(strength('Maple-Winter-2026!'), 4);
      assert.ok(strength('correct horse battery staple') >= 3);
    });
  });

  describe('countdown', () => {
    it('counts down, formats m:ss and crosses announcement thresholds once', () => {
      const t0 = Date.parse('2026-01-01T10:00:00Z');
      assert.equal(secondsLeft('2026-01-01T10:10:00Z', t0), 600);
      assert.equal(secondsLeft('2026-01-01T10:10:00Z', t0 + 601_000), 0);
      assert.equal(secondsLeft('garbage', t0), 0);
      assert.deepEqual([formatSeconds(600), formatSeconds(65), formatSeconds(9)], ['10:00', '1:05', '0:09']);
      assert.equal(crossedThreshold(121, 120), 120);
      assert.equal(crossedThreshold(120, 119), undefined);
      assert.equal(crossedThreshold(Infinity, 600), undefined);
      assert.equal(crossedThreshold(62, 58), 60);
      assert.deepEqual([isWarning(61), isWarning(60)], [false, true]);
    });
  });

  describe('wizard flow', () => {
    it('offers unlock only to a locked account that may be unlocked; reset when allowed', () => {
      assert.deepEqual(actionsFor({ locked: true, canUnlock: true, canReset: true }), ['unlock', 'reset']);
      assert.deepEqual(actionsFor({ locked: false, canUnlock: true, canReset: true }), ['reset']);
      assert.deepEqual(actionsFor({ locked: true, canUnlock: false, canReset: false }), []);
      assert.deepEqual(actionsFor(undefined), []);
      assert.equal(unlockWithReset({ locked: true, canUnlock: true, canReset: true }), true);
      assert.equal(unlockWithReset({ locked: false, canUnlock: true, canReset: true }), false);
    });
    it('offers only factors not used yet', () => {
      const f = [{ id: 'f1', type: 'email' as const }, { id: 'f2', type: 'totp' as const }];
      assert.deepEqual(remainingFactors(f, new Set(['f1'])).map((x) => x.id), ['f2']);
    });
    it('takes the kiosk secret from #k= only when it looks like one', () => {
      assert.equal(secretFromFragment('#k=abcdefghijklmnop_-123'), 'abcdefghijklmnop_-123');
      assert.equal(secretFromFragment('#k=short'), undefined);
      assert.equal(secretFromFragment('#k=<script>alert(1)</script>aaaaaaaa'), undefined);
      assert.equal(secretFromFragment(''), undefined);
    });
  });
});
