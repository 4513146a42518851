// The Kerberos acceptor, one check at a time, on tokens built the way a KDC and a browser build them
// (token-builder.ts): every refusal is a catalogue error with a reason, never a throw of anything else.
import assert from 'node:assert/strict';
import { KerberosAcceptor, parseServicePrincipal } from '../../../../daemon/src/directory/ad/kerberos/acceptor.js';
import type { ReplayCache } from '../../../../daemon/src/directory/directory.js';
import { parseKeytab } from '../../../../daemon/src/directory/ad/kerberos/keytab.js';
import { isKeyhatchError } from '../../../../daemon/src/errors/catalogue.js';
import { apReq, keytab, krb5Token, spnegoToken, tlv, type TicketSpec } from './token-builder.js';

const SERVICE_KEY = Buffer.alloc(32, 0x5a);
const AES128_KEY = Buffer.alloc(16, 0x33);

function memoryReplay(): ReplayCache {
  const seen = new Set<string>();
  return { claim: async (k) => { if (seen.has(k)) return false; seen.add(k); return true; } };
}

function acceptor(now = () => Date.now(), replay = memoryReplay()) {
  const entries = parseKeytab(keytab([
    { principal: ['HTTP', 'gw.keyhatch.test'], realm: 'KEYHATCH.TEST', etype: 18, key: SERVICE_KEY, kvno: 2 },
    { principal: ['HTTP', 'gw.keyhatch.test'], realm: 'KEYHATCH.TEST', etype: 17, key: AES128_KEY, kvno: 2 },
    { principal: ['HTTP', 'gw.keyhatch.test'], realm: 'KEYHATCH.TEST', etype: 23, key: Buffer.alloc(16, 1), kvno: 2 },
  ]));
  return new KerberosAcceptor({ spn: parseServicePrincipal('HTTP/gw.keyhatch.test@KEYHATCH.TEST'), keytab: entries, replay, now });
}

const b64 = (b: Buffer) => b.toString('base64');
const token = (s: Partial<TicketSpec> = {}) => b64(spnegoToken(krb5Token(apReq({ serviceKey: SERVICE_KEY, ...s }))));

async function refusedWith(a: KerberosAcceptor, t: string, code: 'NEGOTIATE_MALFORMED' | 'NEGOTIATE_FAILED', reason: RegExp): Promise<void> {
  await assert.rejects(a.accept(t), (err: unknown) => {
    assert.ok(isKeyhatchError(err, code), `expected ${code}, got ${String(err)}`);
    assert.match(err.reason ?? '', reason);
    return true;
  });
}

describe('Kerberos acceptor (SPNEGO / GSS Kerberos, AP-REQ checks)', () => {
  it('accepts a SPNEGO token and a raw Kerberos GSS token (both OIDs), AES256 and AES128 service keys', async () => {
    const a = acceptor();
    assert.deepEqual(await a.accept(token()), { name: 'alice', realm: 'KEYHATCH.TEST' });
    assert.deepEqual(await a.accept(b64(krb5Token(apReq({ serviceKey: SERVICE_KEY, cname: 'bob' })))), { name: 'bob', realm: 'KEYHATCH.TEST' });
    assert.deepEqual(await a.accept(b64(krb5Token(apReq({ serviceKey: SERVICE_KEY, cname: 'carol' }), '1.2.840.48018.1.2.2'))), { name: 'carol', realm: 'KEYHATCH.TEST' });
    assert.deepEqual(await a.accept(token({ serviceKey: AES128_KEY, etype: 17, cname: 'dave' })), { name: 'dave', realm: 'KEYHATCH.TEST' });
  });

  it('keeps only AES keys for the SPN from the keytab (RC4 is never used)', () => {
    assert.deepEqual(acceptor().serviceKeys().map((k) => k.etype).sort(), [17, 18]);
  });

  it('refuses a replayed token, whichever gateway saw it first (the cache is shared)', async () => {
    const replay = memoryReplay();
    const t = token();
    await acceptor(undefined, replay).accept(t);
    await refusedWith(acceptor(undefined, replay), t, 'NEGOTIATE_FAILED', /replayed/);
  });

  it('refuses a ticket for another SPN or realm, under another key, or of another encryption type', async () => {
    const a = acceptor();
    await refusedWith(a, token({ sname: ['HTTP', 'other.keyhatch.test'] }), 'NEGOTIATE_FAILED', /HTTP\/other.keyhatch.test@KEYHATCH.TEST, not this service/);
    await refusedWith(a, token({ realm: 'EVIL.TEST' }), 'NEGOTIATE_FAILED', /not this service/);
    await refusedWith(a, token({ serviceKey: Buffer.alloc(32, 1) }), 'NEGOTIATE_FAILED', /does not decrypt/);
    await refusedWith(a, token({ kvno: 3 }), 'NEGOTIATE_FAILED', /no key in the keytab .* kvno 3/);
  });

  it('refuses an expired, a not-yet-valid or an invalid ticket, a stale or future authenticator', async () => {
    const a = acceptor();
    const now = Date.now();
    await refusedWith(a, token({ endtime: now - 6 * 60_000 }), 'NEGOTIATE_FAILED', /expired/);
    await refusedWith(a, token({ starttime: now + 6 * 60_000 }), 'NEGOTIATE_FAILED', /not valid yet/);
    await refusedWith(a, token({ flags: [0x01, 0, 0, 0] }), 'NEGOTIATE_FAILED', /invalid/);
    await refusedWith(a, token({ auth: { ctime: now - 6 * 60_000 } }), 'NEGOTIATE_FAILED', /clock skew/);
    await refusedWith(a, token({ auth: { ctime: now + 6 * 60_000 } }), 'NEGOTIATE_FAILED', /clock skew/);
    assert.deepEqual(await a.accept(token({ endtime: now - 4 * 60_000, auth: { ctime: now - 4 * 60_000 } })), { name: 'alice', realm: 'KEYHATCH.TEST' }, 'within the skew');
  });

  it('refuses an authenticator for another client, under another key, a cross-realm client, user-to-user', async () => {
    const a = acceptor();
    await refusedWith(a, token({ auth: { cname: 'mallory' } }), 'NEGOTIATE_FAILED', /another client/);
    await refusedWith(a, token({ auth: { key: Buffer.alloc(32, 9) } }), 'NEGOTIATE_FAILED', /authenticator does not decrypt/);
    await refusedWith(a, token({ crealm: 'OTHER.TEST' }), 'NEGOTIATE_FAILED', /client realm OTHER.TEST/);
    await refusedWith(a, token({ apOptions: [0x40, 0, 0, 0] }), 'NEGOTIATE_FAILED', /user-to-user/);
  });

  it('refuses a tampered token (any bit of the encrypted parts) as NEGOTIATE_FAILED', async () => {
    const a = acceptor();
    const raw = spnegoToken(krb5Token(apReq({ serviceKey: SERVICE_KEY })));
    for (const at of [raw.length - 5, raw.length - 40, raw.length - 200]) {
      const t = Buffer.from(raw);
      t[at] = (t[at] as number) ^ 0x10;
      await assert.rejects(a.accept(b64(t)), (err: unknown) => isKeyhatchError(err, 'NEGOTIATE_FAILED') || isKeyhatchError(err, 'NEGOTIATE_MALFORMED'));
    }
  });

  it('answers NEGOTIATE_MALFORMED for garbage, truncation at every length, oversized, NTLM and non-Kerberos mechanisms', async () => {
    const a = acceptor();
    await refusedWith(a, 'not base64!', 'NEGOTIATE_MALFORMED', /base64/);
    await refusedWith(a, 'A'.repeat(100_000), 'NEGOTIATE_MALFORMED', /too large/);
    await refusedWith(a, b64(Buffer.from('NTLMSSP\0\x01\0\0\0')), 'NEGOTIATE_MALFORMED', /NTLM/);
    await refusedWith(a, b64(spnegoToken(Buffer.alloc(10), ['1.3.6.1.4.1.311.2.2.10'])), 'NEGOTIATE_MALFORMED', /not Kerberos/);
    await refusedWith(a, b64(tlv(0x60, Buffer.from([0x80]))), 'NEGOTIATE_MALFORMED', /indefinite|truncated|past/);
    await refusedWith(a, b64(Buffer.from([0x60, 0x84, 0xff, 0xff, 0xff, 0xff])), 'NEGOTIATE_MALFORMED', /too long/);
    const raw = spnegoToken(krb5Token(apReq({ serviceKey: SERVICE_KEY })));
    for (let n = 1; n < raw.length; n += 3) {
      await assert.rejects(a.accept(b64(raw.subarray(0, n))), (err: unknown) => isKeyhatchError(err, 'NEGOTIATE_MALFORMED'), `truncated at ${n}`);
    }
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(raw);
      for (let j = 0; j < 4; j++) junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
      await assert.rejects(a.accept(b64(junk)), (err: unknown) => isKeyhatchError(err, 'NEGOTIATE_MALFORMED') || isKeyhatchError(err, 'NEGOTIATE_FAILED'));
    }
  });

  it('reads keytabs strictly', () => {
    assert.throws(() => parseKeytab(Buffer.from([5, 1])), /0x0501/);
    assert.throws(() => parseKeytab(Buffer.from([1, 2])), /not a keytab/);
    const kt = keytab([{ principal: ['HTTP', 'gw'], realm: 'R', etype: 18, key: SERVICE_KEY, kvno: 300 }]);
    assert.equal(parseKeytab(kt)[0]?.kvno, 300, 'the 32-bit kvno wins');
    assert.throws(() => parseKeytab(kt.subarray(0, kt.length - 10)), /past the end/);
  });
});
