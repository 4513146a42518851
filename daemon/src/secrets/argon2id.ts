// Argon2id password hashing in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with
// two interchangeable engines: Node's built-in crypto.argon2 (Node ≥ 24.7, nothing native to ship)
// and the npm `argon2` package (Node 20). Both write and read the same strings, so hashes stored
// under one Node version verify under the other. The npm package is imported only when needed.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';

export type Argon2Engine = 'node:crypto' | 'argon2-npm';

/** OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane); the same as the npm package's defaults. */
export const ARGON2_PARAMS = { memoryKiB: 19_456, passes: 2, parallelism: 1, saltBytes: 16, hashBytes: 32 } as const;

type NodeArgon2 = (algorithm: 'argon2id', params: {
  message: Buffer; nonce: Buffer; parallelism: number; tagLength: number; memory: number; passes: number;
}, callback: (err: Error | null, key: Buffer) => void) => void;

const builtin = (nodeCrypto as unknown as { argon2?: NodeArgon2 }).argon2;

/** The engine this process uses: the built-in one when Node has it. */
export function argon2Engine(): Argon2Engine {
  return builtin ? 'node:crypto' : 'argon2-npm';
}

export function availableArgon2Engines(): Argon2Engine[] {
  return builtin ? ['node:crypto', 'argon2-npm'] : ['argon2-npm'];
}

interface Phc { memoryKiB: number; passes: number; parallelism: number; salt: Buffer; hash: Buffer }

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
// The reference implementation writes m,t,p; the npm package writes m,p,t: accept each once, any order.
const PHC = /^\$argon2id\$v=19\$([a-z=0-9,]{11,32})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{22,128})$/;

/** Parses an argon2id v19 PHC string; undefined for anything else or out-of-range costs (fails closed). */
function parsePhc(s: string): Phc | undefined {
  const m = PHC.exec(s);
  if (!m) return undefined;
  const params = new Map<string, number>();
  for (const kv of (m[1] as string).split(',')) {
    const [k, v, extra] = kv.split('=');
    if (k === undefined || v === undefined || extra !== undefined || !/^\d{1,7}$/.test(v) || params.has(k)) return undefined;
    params.set(k, Number(v));
  }
  const [memoryKiB, passes, parallelism] = [params.get('m'), params.get('t'), params.get('p')];
  if (params.size !== 3 || memoryKiB === undefined || passes === undefined || parallelism === undefined) return undefined;
  // Bounds keep a tampered record from making one verification eat the machine.
  if (passes < 1 || passes > 16 || parallelism < 1 || parallelism > 16 || memoryKiB < 8 * parallelism || memoryKiB > 262_144) return undefined;
  return { memoryKiB, passes, parallelism, salt: Buffer.from(m[2] as string, 'base64'), hash: Buffer.from(m[3] as string, 'base64') };
}

function derive(p: Omit<Phc, 'hash'> & { hashBytes: number }, password: string): Promise<Buffer> {
  const fn = builtin;
  if (!fn) return Promise.reject(new Error('crypto.argon2 is not available in this Node version'));
  return new Promise((resolve, reject) => {
    fn('argon2id', { message: Buffer.from(password, 'utf8'), nonce: p.salt, parallelism: p.parallelism, tagLength: p.hashBytes, memory: p.memoryKiB, passes: p.passes },
      (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The part of the npm package we use; typed here so the build does not need the optional package. */
interface NpmArgon2 {
  argon2id: number;
  hash(password: string, opts: { type: number; memoryCost: number; timeCost: number; parallelism: number; hashLength: number }): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
}

async function npmArgon2(): Promise<NpmArgon2> {
  const name = 'argon2'; // a variable: the optional package is resolved at run time only
  const mod = await import(name) as NpmArgon2 & { default?: NpmArgon2 };
  return mod.default ?? mod;
}

export async function hashArgon2id(password: string, engine: Argon2Engine = argon2Engine()): Promise<string> {
  const { memoryKiB, passes, parallelism, saltBytes, hashBytes } = ARGON2_PARAMS;
  if (engine === 'argon2-npm') {
    const a = await npmArgon2();
    return a.hash(password, { type: a.argon2id, memoryCost: memoryKiB, timeCost: passes, parallelism, hashLength: hashBytes });
  }
  const salt = randomBytes(saltBytes);
  const hash = await derive({ memoryKiB, passes, parallelism, salt, hashBytes }, password);
  return `$argon2id$v=19$m=${memoryKiB},t=${passes},p=${parallelism}$${b64(salt)}$${b64(hash)}`;
}

/** False for a wrong password and for anything that is not a well-formed argon2id hash. */
export async function verifyArgon2id(phc: string, password: string, engine: Argon2Engine = argon2Engine()): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  if (engine === 'argon2-npm') return (await npmArgon2()).verify(phc, password);
  const actual = await derive({ ...parsed, hashBytes: parsed.hash.length }, password);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}
