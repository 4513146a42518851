import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { checkCode, newCode, storeCode } from '../../daemon/src/factors/codes.js';
import { maskEmail, maskPhone, normalisePhone, plausibleEmail } from '../../daemon/src/factors/masking.js';
import { normaliseAnswer } from '../../daemon/src/factors/questions.js';

describe('one-time codes', () => {
  const key = randomBytes(32);
  it('are 6 random digits, bound to their session, expire and allow a limited number of tries', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newCode()));
    assert.ok(codes.size > 190 && [...codes].every((c) => /^\d{6}$/.test(c)));
    const s = storeCode(key, 'sess/f1', '123456', 1000, 600_000, 3);
    assert.ok(!JSON.stringify(s).includes('123456'), 'only a MAC is kept');
    assert.equal(checkCode(key, 'sess/f2', { ...s }, '123456', 2000), 'wrong', 'bound to session and factor');
    assert.equal(checkCode(key, 'sess/f1', { ...s }, '123 456', 2000), 'ok');
    assert.equal(checkCode(key, 'sess/f1', { ...s }, '123456', 601_000), 'expired');
    const t = { ...s };
    for (let i = 0; i < 3; i++) assert.equal(checkCode(key, 'sess/f1', t, '000000', 2000), 'wrong');
    assert.equal(checkCode(key, 'sess/f1', t, '123456', 2000), 'exhausted');
    assert.equal(checkCode(key, 'sess/f1', undefined, '123456', 2000), 'none');
  });
});

describe('hints and normalisation', () => {
  it('masks addresses and numbers', () => {
    assert.equal(maskEmail('john.doe@contoso.com'), 'j•••@c•••.com');
    assert.equal(maskPhone('+44 20 7946 0958'), '•••• 0958');
    assert.equal(normalisePhone('+44 (20) 7946-0958'), '+442079460958');
    assert.equal(normalisePhone('0207946'), undefined);
    assert.ok(plausibleEmail('a@b.example') && !plausibleEmail('a@b') && !plausibleEmail('a b@c.d') && !plausibleEmail('<x>@y.z'));
  });
  it('normalises answers: case, width, punctuation and spacing', () => {
    assert.equal(normaliseAnswer('  St. Mary’s  School!! '), 'st mary s school');
    assert.equal(normaliseAnswer('ＴＯＫＹＯ'), 'tokyo');
  });
});
