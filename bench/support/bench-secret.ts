// The TOTP secret of benchmark user i, derivable by both the server child and the load generator.
import { createHmac } from 'node:crypto';
import * as OTPAuth from 'otpauth';

export function benchSecretFor(i: number): string {
  const bytes = createHmac('sha256', 'keyhatch-bench').update(String(i)).digest().subarray(0, 20);
  return new OTPAuth.Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}
