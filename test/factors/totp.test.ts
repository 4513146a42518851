// RFC 6238 appendix B vectors (SHA-1, secret "12345678901234567890"); Keyhatch uses 6 digits, the
// RFC prints 8, and a 6-digit TOTP is the last 6 digits of the 8-digit one.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { totpStep, otpauthUri, TotpFactor } from '../../daemon/src/factors/totp.js';
import { randomBytes } from 'node:crypto';

const SECRET = OTPAuth.Secret.fromUTF8('12345678901234567890').base32;
const VECTORS: Array<[number, string]> = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']];

describe('TOTP (RFC 6238)', () => {
  it('accepts the RFC test vectors at their times and rejects them far away', () => {
    for (const [t, code8] of VECTORS) {
      const step = totpStep(SECRET, code8.slice(2), t * 1000);
      assert.equal(step, Math.floor(t / 30), `T=${t}`);
      assert.equal(totpStep(SECRET, code8.slice(2), (t + 3600) * 1000), null, `T=${t}+1h`);
    }
  });
  it('allows ±1 step and no more', () => {
    const [t, code8] = VECTORS[3] as [number, string];
    assert.notEqual(totpStep(SECRET, code8.slice(2), (t + 30) * 1000), null);
    assert.notEqual(totpStep(SECRET, code8.slice(2), (t - 30) * 1000), null);
    assert.equal(totpStep(SECRET, code8.slice(2), (t + 61) * 1000), null);
    for (const junk of ['', '12345', '1234567', 'abcdef', 123456, null]) assert.equal(totpStep(SECRET, junk, t * 1000), null);
  });
  it('never accepts the same step twice (no code reuse), and seals the seed', async () => {
    let now = 1234567890 * 1000;
    const f = new TotpFactor(randomBytes(32), () => now);
    const sealed = f.sealSecret(SECRET, 'fid');
    assert.ok(!sealed.includes(SECRET));
    let data: Record<string, unknown> = { secret: sealed };
    const ctx = () => ({ factor: { id: 'fid', userKey: 'u', type: 'totp' as const, hint: '', confirmed: true, data, createdAt: '' }, user: { id: 'u' }, scratch: {}, locale: 'en', sessionId: 's',
      saveData: async (d: Record<string, unknown>) => { data = d; } });
    assert.equal(await f.respond(ctx(), '005924'), 'complete');
    assert.equal(await f.respond(ctx(), '005924'), 'failed', 'replay');
    now += 30_000;
    const next = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(SECRET) }).generate({ timestamp: now });
    assert.equal(await f.respond(ctx(), next), 'complete');
    assert.match(otpauthUri(SECRET, 'a@b.c'), /^otpauth:\/\/totp\/Keyhatch:a%40b\.c\?issuer=Keyhatch&secret=/);
  });
});
