// Decoy security keys copy the shape of real users' keys in the real proportions, whatever the
// install's key: every user owns equal points on the ring (with one point each, a user's share was a
// random arc, and with 16 users one shape could get ~1 % of the names — webauthn-decoy.security.test
// then failed in about one run out of ten).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WebAuthnDecoys } from '../../daemon/src/factors/webauthn-decoys.js';
import type { EnrolledFactor } from '../../daemon/src/factors/factor.js';

/** 16 users in 8 shape profiles (2 users each): profile p has p+1 keys of 16 + 8p id bytes. */
function store(): EnrolledFactor[] {
  const out: EnrolledFactor[] = [];
  for (let u = 0; u < 16; u++) {
    const p = u % 8;
    for (let k = 0; k <= p; k++) {
      out.push({ id: `f${u}-${k}`, userKey: `ad:user${u}`, type: 'webauthn', hint: '', confirmed: true, createdAt: '',
        data: { credentialId: Buffer.alloc(16 + 8 * p, u).toString('base64url'), publicKey: 'x', counter: 0, transports: ['usb'] } });
    }
  }
  return out;
}

describe('webauthn decoys: shapes in the real proportions', () => {
  it('over 20 install keys, each of 8 equally common shapes gets 7–19 % of 1,600 made-up names (expected 12.5 %)', async () => {
    const factors = store();
    for (let k = 0; k < 20; k++) {
      const decoys = new WebAuthnDecoys(randomBytes(32), async () => factors, () => 0);
      const counts = new Map<number, number>();
      for (let n = 0; n < 1600; n++) {
        const creds = await decoys.credentials(`name:${n}`);
        counts.set(creds.length, (counts.get(creds.length) ?? 0) + 1);
      }
      const shares = [...Array(8).keys()].map((p) => (counts.get(p + 1) ?? 0) / 1600);
      assert.ok(shares.every((s) => s >= 0.07 && s <= 0.19), `key ${k}: shares ${shares.map((s) => s.toFixed(3)).join(' ')}`);
    }
  });
});
