// E-mail and SMS one-time codes: prompts() sends a fresh code, respond() checks it (constant time,
// expiry, at most `tries` attempts, consumed on success).
import type { Outbox } from '../notify/outbox.js';
import type { FactorContext, FactorMethod, FactorState, FactorType, Prompts } from './factor.js';
import { checkCode, newCode, storeCode, type StoredCode } from './codes.js';

export interface CodeSettings {
  key: Buffer;
  ttlMs: number;
  tries: number;
  now: () => number;
}

class CodeFactor implements FactorMethod {
  constructor(
    readonly type: Extract<FactorType, 'email' | 'sms'>,
    readonly weight: number,
    private readonly outbox: Outbox,
    private readonly settings: CodeSettings,
  ) {}
  get labelKey(): string { return `factor.${this.type}`; }
  readonly userSelectable = true;

  private binding(ctx: FactorContext): string { return `${ctx.sessionId}/${ctx.factor.id}`; }

  async prompts(ctx: FactorContext): Promise<Prompts> {
    const code = newCode();
    ctx.scratch.code = storeCode(this.settings.key, this.binding(ctx), code, this.settings.now(), this.settings.ttlMs, this.settings.tries);
    const to = String(ctx.factor.data[this.type === 'email' ? 'address' : 'phone'] ?? '');
    this.outbox.send(this.type === 'email' ? { kind: 'email', address: to } : { kind: 'sms', phone: to }, 'code', ctx.locale,
      { code, minutes: String(Math.round(this.settings.ttlMs / 60000)) }, { user: ctx.user.accountName ?? ctx.user.id, correlationId: ctx.sessionId });
    return { sent: true };
  }

  async respond(ctx: FactorContext, response: unknown): Promise<FactorState> {
    const stored = ctx.scratch.code as StoredCode | undefined;
    const result = checkCode(this.settings.key, this.binding(ctx), stored, response, this.settings.now());
    if (result === 'ok') { delete ctx.scratch.code; return 'complete'; }
    if (result === 'wrong' && stored && stored.triesLeft > 0) return 'in_progress';
    delete ctx.scratch.code;
    return 'failed';
  }
}

export function emailCodeFactor(outbox: Outbox, s: CodeSettings): FactorMethod { return new CodeFactor('email', 2, outbox, s); }
/** SMS is weak (SIM swap, interception; NIST SP 800-63B "restricted"): weight 1. */
export function smsCodeFactor(outbox: Outbox, s: CodeSettings): FactorMethod { return new CodeFactor('sms', 1, outbox, s); }
