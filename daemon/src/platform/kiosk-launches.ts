// Per-launch kiosk identity: every kiosk start gets its own random secret, valid only while that
// kiosk runs. The HTTP layer calls identify() with the secret the kiosk presents and keys its
// device gate on the returned launch id. Only a SHA-256 of each secret is kept, and lookups
// compare hashes in constant time, so neither memory dumps nor timing reveal a live secret.
import { crypto } from '../net/node-builtins.js';

export interface KioskLaunch { readonly id: string; readonly startedAt: number }

interface Entry { readonly launch: KioskLaunch; readonly hash: Buffer }

const hashOf = (secret: string): Buffer => crypto.createHash('sha256').update(secret, 'utf8').digest();

export class KioskLaunches {
  private readonly live = new Map<string, Entry>();
  constructor(private readonly now: () => number = Date.now) {}

  /** A new launch and its secret (32 random bytes, base64url); the secret is not kept. */
  mint(): { launch: KioskLaunch; secret: string } {
    const secret = crypto.randomBytes(32).toString('base64url');
    const launch: KioskLaunch = Object.freeze({ id: crypto.randomUUID(), startedAt: this.now() });
    this.live.set(launch.id, { launch, hash: hashOf(secret) });
    return { launch, secret };
  }

  /** The kiosk exited, crashed or was replaced: its secret stops working at once. Idempotent. */
  end(id: string): void {
    this.live.delete(id);
  }

  /** The live launch this secret belongs to, else undefined. Visits every entry (no early exit). */
  identify(secret: string): KioskLaunch | undefined {
    if (typeof secret !== 'string' || secret.length === 0) return undefined;
    const given = hashOf(secret);
    let found: KioskLaunch | undefined;
    for (const entry of this.live.values()) {
      if (crypto.timingSafeEqual(entry.hash, given) && !found) found = entry.launch;
    }
    return found;
  }

  /** Number of kiosks currently holding a valid secret. */
  get size(): number {
    return this.live.size;
  }
}
