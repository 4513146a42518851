// The TOTP secret of benchmark user i, derivable by both the server child and the load generator.
import { createHmac } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { TotpFactor } from '../../daemon/src/factors/totp.js';
import type { Store } from '../../daemon/src/store/store.js';

export function benchSecretFor(i: number): string {
  const bytes = createHmac('sha256', 'keyhatch-bench').update(String(i)).digest().subarray(0, 20);
  return new OTPAuth.Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}

/** Enrolls benchmark user i's TOTP (factor id `bench-i`) for the account `userKey`, as the portal would. */
export async function enrollBenchTotp(store: Store, totp: TotpFactor, i: number, userKey: string): Promise<void> {
  const id = `bench-${i}`;
  await store.factors.insert({ id, userKey, type: 'totp', hint: 'app', confirmed: true, data: { secret: totp.sealSecret(benchSecretFor(i), id) }, createdAt: new Date().toISOString() });
}
