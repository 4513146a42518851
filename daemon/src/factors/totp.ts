// Authenticator apps (RFC 6238: SHA-1, 6 digits, 30 s). ±1 step; a step once accepted is never
// accepted again. The seed is stored sealed with a key from the secret store.
import * as OTPAuth from 'otpauth';
import { seal, unseal } from '../secrets/seal.js';
import type { FactorContext, FactorMethod, FactorState, Prompts } from './factor.js';

export const TOTP_PERIOD = 30;

export function newTotpSecret(): string { return new OTPAuth.Secret({ size: 20 }).base32; }

export function otpauthUri(secretBase32: string, account: string, issuer = 'Keyhatch'): string {
  return new OTPAuth.TOTP({ issuer, label: account, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) }).toString();
}

/** The accepted time step for `token` at `nowMs`, or null. */
export function totpStep(secretBase32: string, token: unknown, nowMs: number): number | null {
  if (typeof token !== 'string' || !/^\d{6}$/.test(token.replace(/\s/g, ''))) return null;
  const totp = new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) });
  const delta = totp.validate({ token: token.replace(/\s/g, ''), timestamp: nowMs, window: 1 });
  return delta === null ? null : Math.floor(nowMs / 1000 / TOTP_PERIOD) + delta;
}

export class TotpFactor implements FactorMethod {
  readonly type = 'totp' as const;
  readonly labelKey = 'factor.totp';
  readonly weight = 2;
  readonly userSelectable = true;
  constructor(private readonly key: Buffer, private readonly now: () => number) {}

  sealSecret(secret: string, factorId: string): string { return seal(this.key, secret, `totp:${factorId}`); }
  openSecret(sealed: string, factorId: string): string { return unseal(this.key, sealed, `totp:${factorId}`); }

  async prompts(): Promise<Prompts> { return {}; }

  async respond(ctx: FactorContext, response: unknown): Promise<FactorState> {
    const secret = this.openSecret(String(ctx.factor.data.secret), ctx.factor.id);
    const step = totpStep(secret, response, this.now());
    const last = Number(ctx.factor.data.lastStep ?? -1);
    if (step === null || step <= last) return 'failed';
    await ctx.saveData({ ...ctx.factor.data, lastStep: step });
    return 'complete';
  }
}
