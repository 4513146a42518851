import assert from 'node:assert/strict';
import { KioskLaunches } from '../../daemon/src/platform/kiosk-launches.js';

describe('kiosk launches (per-launch kiosk secret)', () => {
  it('identifies a live launch by its secret and forgets it when the kiosk ends', () => {
    let t = 1000;
    const launches = new KioskLaunches(() => t);
    const a = launches.mint();
    t = 2000;
    const b = launches.mint();
    assert.notEqual(a.secret, b.secret);
    assert.notEqual(a.launch.id, b.launch.id);
    assert.ok(Buffer.from(a.secret, 'base64url').length >= 32, 'secret carries 256 bits');
    assert.deepEqual(launches.identify(a.secret), { id: a.launch.id, startedAt: 1000 });
    assert.equal(launches.identify(b.secret)?.id, b.launch.id);
    launches.end(a.launch.id);
    assert.equal(launches.identify(a.secret), undefined, 'an ended launch secret is dead');
    assert.equal(launches.identify(b.secret)?.id, b.launch.id, 'other kiosks are untouched');
    launches.end(a.launch.id); // idempotent
    assert.equal(launches.size, 1);
  });

  it('refuses empty, wrong, truncated and extended secrets', () => {
    const launches = new KioskLaunches();
    const { secret } = launches.mint();
    for (const bad of ['', 'x', secret.slice(0, -1), `${secret}A`, secret.toUpperCase() === secret ? `${secret}x` : secret.toUpperCase()]) {
      assert.equal(launches.identify(bad), undefined, `accepted ${JSON.stringify(bad.slice(0, 8))}…`);
    }
  });

  it('keeps only hashes: the secret string is not held by the registry', () => {
    const launches = new KioskLaunches();
    const { secret } = launches.mint();
    const seen = JSON.stringify([...(launches as unknown as { live: Map<string, { hash: Buffer }> }).live.values()].map((e) => e.hash.toString('base64url')));
    assert.ok(!seen.includes(secret));
  });
});
