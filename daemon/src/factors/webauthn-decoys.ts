// Security-key options for a name that resolves to nobody must look like a real user's: as many
// credentials, ids of the same byte lengths (base64url), the same transports. A decoy therefore
// copies the *shape* (never an id) of one real user's keys. Which user is chosen by consistent
// hashing of a keyed hash of the canonical name: the same name always gets the same shape, and a new
// enrollment moves only the few names that now fall to it. Decoy shapes follow the real
// distribution because every real user owns the same number of points on the ring — many points
// each while there are few users: with one point each, a user's share of the ring is a random arc
// (one of 16 users could own 1 % of it or 20 %), so shapes would follow the key, not the users.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { EnrolledFactor } from './factor.js';
import type { WebAuthnData } from './webauthn.js';

export interface CredentialShape { idBytes: number; transports?: string[] }

/** Before anyone has enrolled a key there is nothing to copy: one key of a common security-key id size. */
export const DEFAULT_SHAPE: readonly CredentialShape[] = [{ idBytes: 64, transports: ['usb'] }];
const REFRESH_MS = 5 * 60_000;
/** Points on the ring in all (about): small stores get many per user, large ones are smooth anyway. */
const RING_POINTS = 16_384;
const MAX_POINTS_PER_USER = 256;

interface Ring { points: Buffer[]; shapes: CredentialShape[][] }

export class WebAuthnDecoys {
  private ring: { value: Ring; at: number } | undefined;
  private loading: Promise<Ring> | undefined;
  /** A real P-256 key nobody holds the private half of: a forged assertion costs a decoy a signature check too. */
  private readonly publicKey = coseP256PublicKey();

  constructor(
    private readonly key: Buffer,
    /** Every confirmed security-key factor in the store (all users). */
    private readonly load: () => Promise<EnrolledFactor[]>,
    private readonly now: () => number,
  ) {}

  /** Credentials (id, transports; no usable key) for the decoy probe `probeKey`. */
  async credentials(probeKey: string): Promise<WebAuthnData[]> {
    const ring = await this.current();
    const h = this.mac(`webauthn-decoy/name/${probeKey}`);
    const shape = ring.points.length === 0 ? DEFAULT_SHAPE : ring.shapes[firstAtOrAfter(ring.points, h) % ring.points.length] as CredentialShape[];
    return shape.map((s, i) => {
      const id = this.expand(`webauthn-decoy/id/${probeKey}/${i}`, s.idBytes).toString('base64url');
      return { credentialId: id, publicKey: this.publicKey, counter: 0, ...(s.transports ? { transports: [...s.transports] } : {}) };
    });
  }

  private async current(): Promise<Ring> {
    if (this.ring && this.now() - this.ring.at < REFRESH_MS) return this.ring.value;
    this.loading ??= this.build().then((value) => { this.ring = { value, at: this.now() }; return value; }).finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async build(): Promise<Ring> {
    const byUser = new Map<string, CredentialShape[]>();
    for (const f of await this.load()) {
      if (f.type !== 'webauthn' || !f.confirmed || typeof f.data.credentialId !== 'string') continue;
      const t = f.data.transports;
      const shape: CredentialShape = { idBytes: Buffer.from(f.data.credentialId, 'base64url').length, ...(Array.isArray(t) && t.length > 0 ? { transports: t.map(String) } : {}) };
      byUser.set(f.userKey, [...(byUser.get(f.userKey) ?? []), shape]);
    }
    const perUser = Math.max(1, Math.min(MAX_POINTS_PER_USER, Math.floor(RING_POINTS / Math.max(1, byUser.size))));
    const points = [...byUser].flatMap(([user, shapes]) => Array.from({ length: perUser }, (_, v) => ({ point: this.mac(`webauthn-decoy/user/${user}/${v}`), shapes })))
      .sort((a, b) => Buffer.compare(a.point, b.point));
    return { points: points.map((p) => p.point), shapes: points.map((p) => p.shapes) };
  }

  private mac(text: string): Buffer { return createHmac('sha256', this.key).update(text).digest(); }

  /** `bytes` deterministic bytes (HMAC in counter mode). */
  private expand(label: string, bytes: number): Buffer {
    const blocks: Buffer[] = [];
    for (let i = 0; blocks.length * 32 < bytes; i++) blocks.push(this.mac(`${label}/${i}`));
    return Buffer.concat(blocks).subarray(0, bytes);
  }
}

/** Index of the first point ≥ h (binary search); points.length when h is past the last (wraps to 0). */
function firstAtOrAfter(points: readonly Buffer[], h: Buffer): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(points[mid] as Buffer, h) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** COSE_Key (RFC 9053) of a fresh P-256 key, base64url: kty EC2, alg ES256, crv P-256, x, y. The private key is dropped. */
function coseP256PublicKey(): string {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const coord = (v: string | undefined) => Buffer.concat([Buffer.from([0x58, 32]), Buffer.from(v ?? '', 'base64url')]);
  return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]), coord(jwk.x), Buffer.from([0x22]), coord(jwk.y)]).toString('base64url');
}
