// WebAuthn registration and assertion against a software authenticator built here with node:crypto:
// an ES256 (P-256) key, hand-made clientDataJSON, authenticatorData and a CBOR 'none' attestation.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { EnrolledFactor, FactorContext } from '../../daemon/src/factors/factor.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { registrationOptions, verifyRegistration, WebAuthnFactor, type WebAuthnSettings } from '../../daemon/src/factors/webauthn.js';

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

// A tiny CBOR encoder: unsigned/negative integers, byte and text strings, arrays, maps (RFC 8949).
type Cbor = number | string | Buffer | Cbor[] | Map<Cbor, Cbor>;
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}
function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') { const t = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, t.length), t]); }
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const UP = 0x01, UV = 0x04, AT = 0x40;

/** A security key: one credential, a signature counter, and nothing else. */
class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  counter = 0;
  private readonly privateKey: KeyObject;
  readonly coseKey: Buffer;

  constructor(keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' })) {
    this.privateKey = keyPair.privateKey;
    const jwk = keyPair.publicKey.export({ format: 'jwk' });
    // COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    this.coseKey = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
  }

  get id(): string { return b64u(this.credentialId); }

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const c = Buffer.alloc(4); c.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  register(challenge: string, origin: string, rpId: string): Record<string, unknown> {
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge, origin, crossOrigin: false });
    const len = Buffer.alloc(2); len.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID */, len, this.credentialId, this.coseKey]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', this.authData(rpId, UP | UV | AT, this.counter, attested)]]));
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'cross-platform',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['usb'] },
    };
  }

  /** Signs an assertion; `counter` overrides the authenticator's own (a cloned key's view). */
  assert(challenge: string, origin: string, rpId: string, opts: { counter?: number; type?: string; flags?: number } = {}): Record<string, unknown> {
    if (opts.counter === undefined) this.counter += 1;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: opts.type ?? 'webauthn.get', challenge, origin, crossOrigin: false }));
    const authenticatorData = this.authData(rpId, opts.flags ?? UP | UV, opts.counter ?? this.counter);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature) },
    };
  }
}

const settings: WebAuthnSettings = { rpId: 'keyhatch.example.test', rpName: 'Keyhatch', origins: ['https://keyhatch.example.test', 'https://portal.keyhatch.example.test'] };
const ORIGIN = 'https://keyhatch.example.test';
const user = { id: 'c0ffee00-1111-4222-8333-444455556666', name: 'jdoe@corp.example', displayName: 'Jane Doe' };

interface Session { ctx: FactorContext; saved: Array<Record<string, unknown>> }

function session(data: Record<string, unknown>): Session {
  const saved: Array<Record<string, unknown>> = [];
  const factor: EnrolledFactor = { id: 'f1', userKey: user.id, type: 'webauthn', hint: '•••• test', confirmed: true, data, createdAt: '2026-01-01T00:00:00Z' };
  const ctx: FactorContext = {
    factor, user: { id: 'CN=Jane Doe,DC=corp,DC=example', key: user.id }, scratch: {}, locale: 'en', sessionId: 's-1',
    saveData: async (d) => { saved.push(d); },
  };
  return { ctx, saved };
}

async function enroll(key: SoftAuthenticator): Promise<Record<string, unknown>> {
  const { challenge } = await registrationOptions(settings, user, []);
  return (await verifyRegistration(settings, key.register(challenge, ORIGIN, settings.rpId), challenge)).data;
}

/** prompts() and the challenge a real browser would hand the authenticator. */
async function challengeOf(s: Session): Promise<string> {
  const p = await new WebAuthnFactor(settings).prompts(s.ctx) as { publicKey: { challenge: string } };
  return p.publicKey.challenge;
}

describe('WebAuthn registration', () => {
  it('offers options with attestation "none", residentKey "discouraged" and existing credentials excluded', async () => {
    const { options, challenge } = await registrationOptions(settings, user, ['AAAA', 'BBBB']);
    assert.equal(options.attestation, 'none');
    assert.equal(options.authenticatorSelection?.residentKey, 'discouraged');
    assert.equal(options.authenticatorSelection?.userVerification, 'preferred');
    assert.deepEqual(options.excludeCredentials?.map((c) => c.id), ['AAAA', 'BBBB']);
    assert.deepEqual(options.rp, { name: 'Keyhatch', id: settings.rpId });
    assert.equal(options.user.name, user.name);
    assert.equal(options.user.id, b64u(user.id));
    assert.equal(challenge, options.challenge);
    assert.ok(options.pubKeyCredParams.some((p) => p.alg === -7));
  });

  it('verifies a "none" attestation and returns the credential to store', async () => {
    const key = new SoftAuthenticator();
    const { challenge } = await registrationOptions(settings, user, []);
    const { data, hint } = await verifyRegistration(settings, key.register(challenge, ORIGIN, settings.rpId), challenge);
    assert.equal(data.credentialId, key.id);
    assert.deepEqual(Buffer.from(data.publicKey, 'base64url'), key.coseKey);
    assert.equal(data.counter, 0);
    assert.deepEqual(data.transports, ['usb']);
    assert.equal(hint, `•••• ${key.id.slice(-4)}`);
  });

  it('refuses a wrong challenge, a wrong origin, a wrong RP ID and garbage with VERIFICATION_FAILED', async () => {
    const key = new SoftAuthenticator();
    const { challenge } = await registrationOptions(settings, user, []);
    const other = (await registrationOptions(settings, user, [])).challenge;
    const cases: unknown[] = [
      key.register(other, ORIGIN, settings.rpId),
      key.register(challenge, 'https://evil.example', settings.rpId),
      key.register(challenge, ORIGIN, 'evil.example'),
      null, 'garbage', 42, [], {}, { id: key.id, rawId: key.id, type: 'public-key', response: { clientDataJSON: '%%%', attestationObject: 'AA' } },
    ];
    for (const response of cases) {
      await assert.rejects(verifyRegistration(settings, response, challenge), (err) => isKeyhatchError(err, 'VERIFICATION_FAILED'), JSON.stringify(response));
    }
  });
});

describe('WebAuthnFactor', () => {
  const factor = new WebAuthnFactor(settings);
  let key: SoftAuthenticator;
  let data: Record<string, unknown>;
  before(async () => { key = new SoftAuthenticator(); data = await enroll(key); });

  it('declares itself a strong, user-selectable factor', () => {
    assert.deepEqual([factor.type, factor.weight, factor.userSelectable, factor.labelKey], ['webauthn', 2, true, 'factor.webauthn']);
  });

  it('prompts with the enrolled credential only, userVerification "preferred", and a fresh challenge each time', async () => {
    const s = session(data);
    const p = await factor.prompts(s.ctx) as { publicKey: { challenge: string; rpId: string; userVerification: string; allowCredentials: Array<{ id: string; transports?: string[] }> } };
    assert.deepEqual(p.publicKey.allowCredentials, [{ id: key.id, type: 'public-key', transports: ['usb'] }]);
    assert.equal(p.publicKey.userVerification, 'preferred');
    assert.equal(p.publicKey.rpId, settings.rpId);
    const again = await challengeOf(s);
    assert.notEqual(again, p.publicKey.challenge);
  });

  it('completes on a valid assertion and saves the new counter', async () => {
    const s = session(data);
    const challenge = await challengeOf(s);
    assert.equal(await factor.respond(s.ctx, key.assert(challenge, ORIGIN, settings.rpId)), 'complete');
    assert.deepEqual(s.saved, [{ ...data, counter: key.counter }]);
    data = s.saved[0]!;
  });

  it('accepts any configured origin (portal as well as kiosk)', async () => {
    const s = session(data);
    const challenge = await challengeOf(s);
    assert.equal(await factor.respond(s.ctx, key.assert(challenge, 'https://portal.keyhatch.example.test', settings.rpId)), 'complete');
    data = s.saved[0]!;
  });

  it('with kioskOrigins, assertions come only from the kiosk origins, and registration only from the portal origins', async () => {
    const kioskSettings: WebAuthnSettings = { ...settings, kioskOrigins: ['http://keyhatch-kiosk.keyhatch.example.test:7788'] };
    const kioskFactor = new WebAuthnFactor(kioskSettings);
    const s1 = session(data);
    const c1 = await challengeOf(s1);
    assert.equal(await kioskFactor.respond(s1.ctx, key.assert(c1, ORIGIN, settings.rpId)), 'failed', 'the portal origin cannot answer a recovery challenge');
    const s2 = session(data);
    const c2 = await challengeOf(s2);
    assert.equal(await kioskFactor.respond(s2.ctx, key.assert(c2, 'http://keyhatch-kiosk.keyhatch.example.test:7788', settings.rpId)), 'complete');
    data = s2.saved[0]!;
    const { challenge } = await registrationOptions(kioskSettings, user, []);
    await assert.rejects(verifyRegistration(kioskSettings, new SoftAuthenticator().register(challenge, 'http://keyhatch-kiosk.keyhatch.example.test:7788', settings.rpId), challenge),
      (err: unknown) => isKeyhatchError(err) && err.code === 'VERIFICATION_FAILED', 'a kiosk page cannot enroll a key');
  });

  it('fails a wrong origin, a wrong RP ID, a wrong challenge and a wrong ceremony type, saving nothing', async () => {
    const s = session(data);
    const attempts = [
      (c: string) => key.assert(c, 'https://evil.example', settings.rpId),
      (c: string) => key.assert(c, ORIGIN, 'evil.example'),
      (_c: string) => key.assert(b64u(randomBytes(32)), ORIGIN, settings.rpId),
      (c: string) => key.assert(c, ORIGIN, settings.rpId, { type: 'webauthn.create' }),
    ];
    for (const make of attempts) assert.equal(await factor.respond(s.ctx, make(await challengeOf(s))), 'failed');
    assert.deepEqual(s.saved, []);
  });

  it('uses each challenge once: a replayed assertion fails, in the same session or after a new prompt', async () => {
    const s = session(data);
    const assertion = key.assert(await challengeOf(s), ORIGIN, settings.rpId);
    assert.equal(await factor.respond(s.ctx, assertion), 'complete');
    // The context still holds the old counter (as a session that loaded the factor earlier would):
    // only the consumed challenge stops the replay here.
    assert.equal(await factor.respond(s.ctx, assertion), 'failed', 'same session');
    assert.equal(s.saved.length, 1);
    data = s.saved[0]!;
    const later = session(data);
    assert.equal(await factor.respond(later.ctx, assertion), 'failed', 'no challenge issued');
    await challengeOf(later);
    assert.equal(await factor.respond(later.ctx, assertion), 'failed', 'old challenge');
    assert.deepEqual(later.saved, []);
  });

  it('a failed response burns the challenge: the right assertion for it then fails too', async () => {
    const s = session(data);
    const challenge = await challengeOf(s);
    assert.equal(await factor.respond(s.ctx, key.assert(challenge, 'https://evil.example', settings.rpId)), 'failed');
    assert.equal(await factor.respond(s.ctx, key.assert(challenge, ORIGIN, settings.rpId)), 'failed');
  });

  it('accepts user presence without verification (preferred) but never a response without presence', async () => {
    const s = session(data);
    assert.equal(await factor.respond(s.ctx, key.assert(await challengeOf(s), ORIGIN, settings.rpId, { flags: UV })), 'failed');
    assert.equal(await factor.respond(s.ctx, key.assert(await challengeOf(s), ORIGIN, settings.rpId, { flags: UP })), 'complete');
    data = s.saved[0]!;
  });

  it('fails a counter that did not increase (a cloned key)', async () => {
    const stored = data.counter as number;
    assert.ok(stored > 0);
    for (const counter of [stored, stored - 1, 0]) {
      const s = session(data);
      assert.equal(await factor.respond(s.ctx, key.assert(await challengeOf(s), ORIGIN, settings.rpId, { counter })), 'failed', `counter ${counter}`);
      assert.deepEqual(s.saved, []);
    }
  });

  it('accepts an authenticator that keeps its counter at zero', async () => {
    const zero = new SoftAuthenticator();
    const zeroData = await enroll(zero);
    for (let i = 0; i < 2; i += 1) {
      const s = session(zeroData);
      assert.equal(await factor.respond(s.ctx, zero.assert(await challengeOf(s), ORIGIN, settings.rpId, { counter: 0 })), 'complete');
      assert.deepEqual(s.saved, [{ ...zeroData, counter: 0 }]);
    }
  });

  it('fails a signature by another key and an assertion for another credential', async () => {
    const impostor = new SoftAuthenticator();
    const s = session(data);
    // Same credential id as the enrolled key, different private key.
    Object.defineProperty(impostor, 'credentialId', { value: key.credentialId });
    impostor.counter = (data.counter as number) + 10;
    assert.equal(await factor.respond(s.ctx, impostor.assert(await challengeOf(s), ORIGIN, settings.rpId)), 'failed');
    const stranger = new SoftAuthenticator();
    assert.equal(await factor.respond(s.ctx, stranger.assert(await challengeOf(s), ORIGIN, settings.rpId)), 'failed');
    assert.deepEqual(s.saved, []);
  });

  it('answers "failed" to garbage instead of throwing', async () => {
    const s = session(data);
    const good = key.assert('unused', ORIGIN, settings.rpId) as { response: Record<string, unknown> };
    const garbage: unknown[] = [
      undefined, null, 'x', 7, [], {}, { id: key.id },
      { id: key.id, rawId: key.id, type: 'public-key', response: 'nope' },
      { id: key.id, rawId: key.id, type: 'public-key', response: { ...good.response, clientDataJSON: '%%%not-base64%%%' } },
      { id: key.id, rawId: key.id, type: 'public-key', response: { ...good.response, authenticatorData: 'AA' } },
      { id: key.id, rawId: key.id, type: 'public-key', response: { ...good.response, signature: b64u(randomBytes(8)) } },
      { id: key.id, rawId: 'different', type: 'public-key', response: good.response },
    ];
    for (const g of garbage) assert.equal(await factor.respond(s.ctx, g), 'failed', JSON.stringify(g));
    for (const g of garbage) {
      await challengeOf(s);
      assert.equal(await factor.respond(s.ctx, g), 'failed', JSON.stringify(g));
    }
    assert.deepEqual(s.saved, []);
  });

  it('refuses to prompt for malformed factor data', async () => {
    await assert.rejects(factor.prompts(session({ credentialId: 42 }).ctx), (err) => isKeyhatchError(err, 'FACTOR_UNAVAILABLE'));
    assert.equal(await factor.respond(session({}).ctx, key.assert('x', ORIGIN, settings.rpId)), 'failed');
  });
});
