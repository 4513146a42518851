// Which kiosk a request comes from, by the secret the service gave that kiosk. No framework
// imports: the relay (which must stay light) uses it too.
import { crypto } from '../net/node-builtins.js';

/** Resolves a per-launch secret to the launch the service started (daemon/src/platform/kiosk-launches.ts). */
export type IdentifyKiosk = (secret: string) => { id: string } | undefined;

/** A single static secret (tests, `keyhatch serve` without the launch registry): one launch id. */
export function staticKiosk(secret: string): IdentifyKiosk {
  const expected = Buffer.from(secret);
  const id = `static-${crypto.createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
  return (given) => {
    const g = Buffer.from(given);
    return g.length === expected.length && crypto.timingSafeEqual(g, expected) ? { id } : undefined;
  };
}
