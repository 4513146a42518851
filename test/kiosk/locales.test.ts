// The five locales stay complete and consistent, every API error code and violation code the UI
// can meet has a message, and the credential provider's logon.* keys are still there.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../daemon/src/errors/catalogue.js';
import { placeholders } from '../../kiosk-ui/src/shared/i18n.js';

const dir = join(import.meta.dirname, '../../locales');
const load = (l: string) => JSON.parse(readFileSync(join(dir, `${l}.json`), 'utf8')) as Record<string, string>;
const en = load('en');
const LOCALES = ['en', 'de', 'fr', 'es', 'nl'];

describe('locales (kiosk, portal and credential provider share one set of message keys)', () => {
  it('ships English, German, French, Spanish and Dutch', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', ''));
    for (const l of LOCALES) assert.ok(files.includes(l), l);
  });

  for (const l of LOCALES) {
    it(`${l}: has every key English has, no extra ones, no empty text, the same placeholders`, () => {
      const m = load(l);
      assert.deepEqual(Object.keys(m).sort(), Object.keys(en).sort());
      for (const [k, v] of Object.entries(m)) {
        assert.ok(v.trim().length > 0, `${l} ${k} is empty`);
        assert.deepEqual(placeholders(v), placeholders(en[k] as string), `${l} ${k} placeholders`);
      }
      if (l !== 'en') {
        const same = Object.keys(en).filter((k) => !k.startsWith('logon.') && m[k] === en[k] && !/^(Code|E-mail|Keyhatch|SMS|Helpdesk|Question \{n\}|Confirm)$/.test(en[k] as string));
        assert.ok(same.length <= 3, `${l}: looks untranslated: ${same.join(', ')}`);
      }
    });
  }

  it('keeps the credential provider keys', () => {
    for (const l of LOCALES) for (const k of ['logon.forgotPassword', 'logon.unlockAccount', 'logon.unavailable', 'logon.starting']) assert.ok(load(l)[k], `${l} ${k}`);
  });

  it('translates every error code the API can return to the kiosk or portal (the rest fall back to error.INTERNAL)', () => {
    const notForUsers = new Set(['CONFIG_INVALID', 'USER_NOT_FOUND', 'AMBIGUOUS_USER', 'WRONG_PASSWORD', 'UNSUPPORTED_MEDIA_TYPE', 'ENTRA_ROLE_MISSING', 'JOIN_TOKEN_INVALID']);
    const missing = Object.keys(ERROR_CATALOGUE).filter((c) => !notForUsers.has(c) && !(`error.${c}` in en));
    assert.deepEqual(missing, []);
  });

  it('translates every password violation code docs/errors.md lists', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    const codes = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string);
    assert.ok(codes.length >= 9);
    for (const c of [...codes, 'invalid_character']) assert.ok(`violation.${c}` in en, c);
  });

  it('has a label for every factor type', () => {
    for (const t of ['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk']) assert.ok(en[`factor.${t}`] && en[`method.${t}`], t);
  });
});
