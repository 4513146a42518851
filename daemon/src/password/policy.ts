// The effective password policy for one user, whatever directory it came from.

export interface PasswordPolicy {
  /** Where the rules come from: the domain, a fine-grained PSO (named), or the cloud directory. */
  readonly source: 'domain' | 'pso' | 'entra';
  readonly psoName?: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** AD "passwords must meet complexity requirements". */
  readonly complexity: boolean;
  /** How many previous passwords the directory refuses (enforced by the directory itself). */
  readonly historyLength: number;
  readonly minAgeDays: number;
  readonly maxAgeDays: number | null;
  readonly lockoutThreshold: number;
  readonly lockoutDurationMinutes: number;
  readonly lockoutWindowMinutes: number;
  /** Words an admin has banned (configuration; compared case-insensitively). */
  readonly bannedWords: readonly string[];
}

/** AD stores durations as negative counts of 100 ns; "-9223372036854775808" means never. */
export function adIntervalToMinutes(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const big = BigInt(value);
  if (big === -9223372036854775808n) return null;
  const abs = big < 0n ? -big : big;
  return Number(abs / 600_000_000n);
}
