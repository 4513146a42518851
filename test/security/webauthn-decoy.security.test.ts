// Security-key options for a name that resolves to nobody must not be told apart from a real
// user's (issue 9; docs/security.md): the same number of credentials, ids of the lengths real
// authenticators chose (base64url), the same transports and fields — and the same answer every time
// one name is probed. Real users here hold keys of the shapes common authenticators produce.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { rememberSecret } from '../support/run-dir.js';

type Key = { bytes: number; transports?: string[] };
/** Per user: the keys enrolled (id length in bytes as the authenticator chose, transports it reported). */
const PROFILES: Key[][] = [
  [{ bytes: 64, transports: ['usb'] }],
  [{ bytes: 64, transports: ['nfc', 'usb'] }],
  [{ bytes: 32, transports: ['internal'] }],
  [{ bytes: 48, transports: ['usb'] }],
  [{ bytes: 16 }],
  [{ bytes: 20, transports: ['hybrid', 'internal'] }],
  [{ bytes: 64, transports: ['usb'] }, { bytes: 32, transports: ['hybrid', 'internal'] }],
  [{ bytes: 64, transports: ['usb'] }, { bytes: 64, transports: ['usb'] }, { bytes: 48, transports: ['nfc', 'usb'] }],
];
const REAL_USERS = 16;
const DECOY_NAMES = 120;

interface Shape { top: string; entries: Array<{ fields: string; bytes: number; transports: string }>; ids: string[] }

describe('security-key decoys look like real users\' keys (Samba AD DC)', function () {
  this.timeout(600_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: TestDaemon;
  const tag = `wd${process.pid % 10000}`;
  const realIds = new Set<string>();

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret('Wd-Passw0rd-1234!');
    k = await startTestDaemon(d, { rateLimits: { startsPerSource: 100_000, attempts: 1000, deviceAttempts: 10_000 } });
    for (let i = 0; i < REAL_USERS; i++) {
      const name = `${tag}-real${i}`;
      await admin.addUser({ name, password: 'Wd-Passw0rd-1234!' }, d.seed.peopleOu);
      const u = (await k.server.core.directory.findUser(name))!;
      for (const [j, key] of (PROFILES[i % PROFILES.length] as Key[]).entries()) {
        const credentialId = randomBytes(key.bytes).toString('base64url');
        realIds.add(credentialId);
        await k.server.services.store.factors.insert({
          id: `${tag}-${i}-${j}`, userKey: u.key!, type: 'webauthn', hint: `•••• ${credentialId.slice(-4)}`, confirmed: true,
          data: { credentialId, publicKey: randomBytes(77).toString('base64url'), counter: 3, ...(key.transports ? { transports: key.transports } : {}) },
          createdAt: new Date(Date.now() + j).toISOString(),
        });
      }
    }
  });
  after(async () => { await k?.close(); await admin?.close(); });

  async function options(username: string): Promise<Record<string, unknown>> {
    const s = await k.api('POST', '/api/v1/recovery', { username });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const factor = (s.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'webauthn');
    assert.ok(factor, 'webauthn is in the menu');
    const ch = await k.api('POST', `/api/v1/recovery/${s.body.recoveryId}/challenge`, { factor: factor.id });
    assert.equal(ch.status, 200, JSON.stringify(ch.body));
    return ch.body.publicKey as Record<string, unknown>;
  }

  function shape(pk: Record<string, unknown>): Shape {
    const allow = pk.allowCredentials as Array<Record<string, unknown>>;
    return {
      top: Object.keys(pk).join(','),
      entries: allow.map((c) => {
        const id = String(c.id);
        assert.match(id, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
        assert.equal(Buffer.from(id, 'base64url').toString('base64url'), id, 'canonical base64url');
        return { fields: Object.keys(c).join(','), bytes: Buffer.from(id, 'base64url').length, transports: JSON.stringify(c.transports ?? null) };
      }),
      ids: allow.map((c) => String(c.id)),
    };
  }
  const profileOf = (s: Shape) => JSON.stringify(s.entries);

  it(`over ${DECOY_NAMES} made-up names, every decoy has the count, id lengths, encoding, transports and fields of some real user's keys`, async () => {
    const real: Shape[] = [];
    for (let i = 0; i < REAL_USERS; i++) real.push(shape(await options(`${tag}-real${i}`)));
    const decoys: Shape[] = [];
    for (let i = 0; i < DECOY_NAMES; i++) decoys.push(shape(await options(`${tag}-nobody${i}`)));

    // The real users are served their own keys (the test's premise).
    assert.deepEqual(real.map((s) => s.entries.length), Array.from({ length: REAL_USERS }, (_, i) => (PROFILES[i % PROFILES.length] as Key[]).length));
    const realProfiles = new Set(real.map(profileOf));
    assert.equal(realProfiles.size, PROFILES.length);
    assert.deepEqual(new Set([...real, ...decoys].map((s) => s.top)).size, 1, 'the same top-level fields for everyone');

    const strangers = decoys.filter((s) => !realProfiles.has(profileOf(s)));
    assert.deepEqual(strangers.map(profileOf), [], 'a decoy shaped unlike every real user');
    // Decoys follow the real distribution: with 120 names over 8 profiles, each appears (p(miss) < 1e-6).
    const seen = new Set(decoys.map(profileOf));
    assert.equal(seen.size, realProfiles.size, `decoys use ${seen.size} of ${realProfiles.size} real profiles`);
    const counts = (list: Shape[]) => [...new Set(list.map((s) => s.entries.length))].sort();
    assert.deepEqual(counts(decoys), counts(real), 'the same credential counts occur');

    const decoyIds = decoys.flatMap((s) => s.ids);
    assert.equal(decoyIds.filter((id) => realIds.has(id)).length, 0, 'a decoy never shows a real credential id');
    assert.equal(new Set(decoyIds).size, decoyIds.length, 'decoy ids are not shared between names');
  });

  it('the same made-up name gets the same credentials on every probe and spelling (as a real user does)', async () => {
    const first = shape(await options(`${tag}-nobody-stable`));
    for (const spelling of [`${tag}-nobody-stable`, `  ${tag.toUpperCase()}-NOBODY-STABLE `, `KEYHATCH\\${tag}-nobody-stable`]) {
      assert.deepEqual(shape(await options(spelling)), first, spelling);
    }
    const real = shape(await options(`${tag}-real6`));
    assert.deepEqual(shape(await options(`${tag}-real6`)), real);
  });
});
