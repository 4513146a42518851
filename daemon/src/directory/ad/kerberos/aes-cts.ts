// Kerberos AES encryption types (RFC 3961 simplified profile, RFC 3962): aes128-cts-hmac-sha1-96
// (17) and aes256-cts-hmac-sha1-96 (18). Pure node:crypto, so the gateway needs no GSSAPI binding.
// RC4 (23) is refused on purpose: it is unsalted MD4 of the password and Windows no longer needs it.
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const ETYPE_AES128 = 17;
export const ETYPE_AES256 = 18;
export const SUPPORTED_ETYPES: readonly number[] = [ETYPE_AES256, ETYPE_AES128];

const BLOCK = 16;
const MAC_LEN = 12;

export class CryptoError extends Error {}

function keyLength(etype: number): number {
  if (etype === ETYPE_AES128) return 16;
  if (etype === ETYPE_AES256) return 32;
  throw new CryptoError(`encryption type ${etype} is not supported (only AES: 17, 18)`);
}

const ecb = (key: Buffer, encrypt: boolean) => {
  const alg = `aes-${key.length * 8}-ecb`;
  const c = encrypt ? createCipheriv(alg, key, null) : createDecipheriv(alg, key, null);
  c.setAutoPadding(false);
  return (block: Buffer): Buffer => c.update(block);
};

const xor = (a: Buffer, b: Buffer): Buffer => {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] ?? 0);
  return out;
};

/** RFC 3961 n-fold: stretches or folds `input` to `bytes` bytes (13-bit rotations, ones' complement sum). */
export function nfold(input: Buffer, bytes: number): Buffer {
  const inLen = input.length;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = (bytes * inLen) / gcd(bytes, inLen);
  const out = new Uint8Array(bytes);
  const at = (i: number) => input[((i % inLen) + inLen) % inLen] as number;
  let carry = 0;
  for (let i = lcm - 1; i >= 0; i--) {
    const msbit = ((inLen << 3) - 1 + ((inLen << 3) + 13) * Math.floor(i / inLen) + ((inLen - (i % inLen)) << 3)) % (inLen << 3);
    const hi = at(inLen - 1 - (msbit >> 3));
    const lo = at(inLen - (msbit >> 3));
    carry += (((hi << 8) | lo) >> ((msbit & 7) + 1)) & 0xff;
    carry += out[i % bytes] as number;
    out[i % bytes] = carry & 0xff;
    carry >>= 8;
  }
  for (let i = bytes - 1; carry && i >= 0; i--) {
    carry += out[i] as number;
    out[i] = carry & 0xff;
    carry >>= 8;
  }
  return Buffer.from(out);
}

/** DK(base, constant): random-to-key is the identity for AES, so DR's first key-length bytes. */
export function deriveKey(base: Buffer, constant: Buffer): Buffer {
  const enc = ecb(base, true);
  const out: Buffer[] = [];
  let block = nfold(constant, BLOCK);
  for (let have = 0; have < base.length; have += BLOCK) {
    block = enc(block);
    out.push(block);
  }
  return Buffer.concat(out).subarray(0, base.length);
}

const usageConstant = (usage: number, tail: number) => {
  const c = Buffer.alloc(5);
  c.writeUInt32BE(usage, 0);
  c[4] = tail;
  return c;
};

/** RFC 3962 string-to-key (PBKDF2-HMAC-SHA1, then DK "kerberos"); only tests and doctor use it. */
export function stringToKey(etype: number, password: string, salt: string, iterations = 4096): Buffer {
  const tkey = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, keyLength(etype), 'sha1');
  return deriveKey(tkey, Buffer.from('kerberos'));
}

/** CBC with ciphertext stealing as Kerberos uses it (IV zero; the last two blocks always swapped). */
export function ctsEncrypt(key: Buffer, plain: Buffer): Buffer {
  if (plain.length < BLOCK) throw new CryptoError('CTS input shorter than one block');
  const enc = ecb(key, true);
  const blocks: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(BLOCK);
  for (let off = 0; off < plain.length; off += BLOCK) {
    const chunk = Buffer.alloc(BLOCK);
    plain.copy(chunk, 0, off, Math.min(off + BLOCK, plain.length));
    prev = enc(xor(chunk, prev));
    blocks.push(prev);
  }
  if (blocks.length === 1) return blocks[0] as Buffer;
  const tail = plain.length - (blocks.length - 1) * BLOCK;
  const last = blocks.pop() as Buffer;
  const penult = blocks.pop() as Buffer;
  return Buffer.concat([...blocks, last, penult.subarray(0, tail)]);
}

export function ctsDecrypt(key: Buffer, cipher: Buffer): Buffer {
  if (cipher.length < BLOCK) throw new CryptoError('CTS input shorter than one block');
  const dec = ecb(key, false);
  if (cipher.length === BLOCK) return dec(cipher);
  const n = Math.ceil(cipher.length / BLOCK);
  const tail = cipher.length - (n - 1) * BLOCK;
  const out: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(BLOCK);
  for (let i = 0; i < n - 2; i++) {
    const c = cipher.subarray(i * BLOCK, (i + 1) * BLOCK);
    out.push(xor(dec(c), prev));
    prev = c;
  }
  const lastFull = cipher.subarray((n - 2) * BLOCK, (n - 1) * BLOCK);
  const partial = cipher.subarray((n - 1) * BLOCK);
  const d = dec(lastFull);
  const penultCipher = Buffer.concat([partial, d.subarray(tail)]);
  const lastPlain = xor(d.subarray(0, tail), partial);
  out.push(xor(dec(penultCipher), prev), lastPlain);
  return Buffer.concat(out);
}

/** Kerberos encrypt(): confounder, CTS under Ke, HMAC-SHA1-96 under Ki (tests build tokens with it). */
export function encrypt(etype: number, key: Buffer, usage: number, plain: Buffer, confounder: Buffer = randomBytes(BLOCK)): Buffer {
  if (key.length !== keyLength(etype)) throw new CryptoError('key length does not match the encryption type');
  const data = Buffer.concat([confounder, plain]);
  const ke = deriveKey(key, usageConstant(usage, 0xaa));
  const ki = deriveKey(key, usageConstant(usage, 0x55));
  return Buffer.concat([ctsEncrypt(ke, data), createHmac('sha1', ki).update(data).digest().subarray(0, MAC_LEN)]);
}

/** Kerberos decrypt(): integrity checked in constant time before any plaintext is returned. */
export function decrypt(etype: number, key: Buffer, usage: number, cipher: Buffer): Buffer {
  if (key.length !== keyLength(etype)) throw new CryptoError('key length does not match the encryption type');
  if (cipher.length < BLOCK + MAC_LEN) throw new CryptoError('ciphertext too short');
  const body = cipher.subarray(0, cipher.length - MAC_LEN);
  const mac = cipher.subarray(cipher.length - MAC_LEN);
  const ke = deriveKey(key, usageConstant(usage, 0xaa));
  const ki = deriveKey(key, usageConstant(usage, 0x55));
  const data = ctsDecrypt(ke, body);
  const expected = createHmac('sha1', ki).update(data).digest().subarray(0, MAC_LEN);
  if (!timingSafeEqual(expected, mac)) throw new CryptoError('integrity check failed');
  return data.subarray(BLOCK);
}
