// The MSV1_0 ChangeCachedPassword request the addon submits, built by the addon's own code
// (cached_password_request.cc, in cached-password-request.exe) and decoded here from the raw
// bytes against the SDK's x64 layout. Wine has no MSV1_0 logon cache, so the LSA call itself
// is part of the manual Windows check (docs/native.md).
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildNative, installFile, repoRoot, wine, winePrefix, type WinePrefix } from './support/wine.js';

const MsV1_0ChangeCachedPassword = 6;

interface Dump { ok: boolean; pointerBytes: number; base: string; hex: string }

function unicodeString(buf: Buffer, at: number, base: bigint): { length: number; max: number; text: string; offset: number | null } {
  const length = buf.readUInt16LE(at);
  const max = buf.readUInt16LE(at + 2);
  const pointer = buf.readBigUInt64LE(at + 8);
  if (pointer === 0n) return { length, max, text: '', offset: null };
  const offset = Number(pointer - base);
  return { length, max, text: buf.subarray(offset, offset + length).toString('utf16le'), offset };
}

describe('ChangeCachedPassword request bytes (Wine)', function () {
  this.timeout(240_000);
  let prefix: WinePrefix;
  let exe: string;
  before(async () => {
    buildNative('addon');
    prefix = await winePrefix();
    exe = installFile(prefix, path.join(repoRoot, 'native/addon/build/cached-password-request.exe'));
  });

  const dump = async (...args: string[]): Promise<{ d: Dump; buf: Buffer; base: bigint }> => {
    const r = await wine(prefix, [exe, ...args]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as Dump;
    return { d, buf: Buffer.from(d.hex, 'hex'), base: BigInt(d.base) };
  };

  it('packs MessageType 6, domain, account and new password into one block, old password empty, not impersonating', async () => {
    const { d, buf, base } = await dump('CORP', 'alice.o\'neil', 'Neu-Pässwort 7!');
    assert.equal(d.ok, true);
    assert.equal(d.pointerBytes, 8);
    assert.equal(buf.readUInt32LE(0), MsV1_0ChangeCachedPassword);
    const domain = unicodeString(buf, 8, base);
    const account = unicodeString(buf, 24, base);
    const oldPassword = unicodeString(buf, 40, base);
    const newPassword = unicodeString(buf, 56, base);
    assert.deepEqual([domain.text, domain.length, domain.max, domain.offset], ['CORP', 8, 8, 80]);
    assert.deepEqual([account.text, account.offset], ["alice.o'neil", 88]);
    assert.deepEqual(oldPassword, { length: 0, max: 0, text: '', offset: null });
    assert.equal(newPassword.text, 'Neu-Pässwort 7!');
    assert.equal(newPassword.offset, 88 + account.length);
    assert.equal(buf.readUInt8(72), 0, 'Impersonating = FALSE');
    assert.equal(buf.length, 80 + domain.length + account.length + newPassword.length, 'no slack after the strings');
  });

  it('an empty domain leaves DomainName empty; an empty account is refused', async () => {
    const a = await dump('', 'bob', 'pw');
    assert.deepEqual(unicodeString(a.buf, 8, a.base), { length: 0, max: 0, text: '', offset: null });
    assert.equal(unicodeString(a.buf, 24, a.base).text, 'bob');
    const b = await dump('CORP', '', 'pw');
    assert.equal(b.d.ok, false);
  });
});
