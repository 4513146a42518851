// Help-desk one-time code: an agent who verified the caller runs `keyhatch helpdesk code <user>`
// and reads the code out; it works once, for ten minutes, for that user only.
import { randomBytes } from 'node:crypto';
import type { FactorContext, FactorMethod, FactorState, Prompts } from './factor.js';
import { checkCode, newCode, storeCode, type StoredCode } from './codes.js';

/** Where the codes wait (the store's ephemeral repository); declared here so factors/ does not depend on store/. */
export interface CodeShelf {
  get<T>(kind: string, id: string, now: number): Promise<T | undefined>;
  put(kind: string, id: string, value: unknown, expiresAt: number): Promise<void>;
  delete(kind: string, id: string): Promise<void>;
}

const KIND = 'helpdesk-code';

export class HelpdeskFactor implements FactorMethod {
  readonly type = 'helpdesk' as const;
  readonly labelKey = 'factor.helpdesk';
  readonly weight = 2;
  readonly userSelectable = true;
  constructor(private readonly store: { readonly ephemeral: CodeShelf }, private readonly key: Buffer, private readonly now: () => number) {}

  /** Issues a fresh code for `userKey`, replacing any earlier one. */
  async issue(userKey: string, ttlMs = 600_000): Promise<{ code: string; expiresAt: number }> {
    const code = `${newCode(4)}${newCode(4)}`;
    const salt = randomBytes(8).toString('hex');
    const stored = { ...storeCode(this.key, `${KIND}/${userKey}/${salt}`, code, this.now(), ttlMs, 3), salt };
    await this.store.ephemeral.put(KIND, userKey, stored, stored.expiresAt);
    return { code, expiresAt: stored.expiresAt };
  }

  async prompts(): Promise<Prompts> { return {}; }

  async respond(ctx: FactorContext, response: unknown): Promise<FactorState> {
    const userKey = ctx.factor.userKey;
    const stored = await this.store.ephemeral.get<StoredCode & { salt: string }>(KIND, userKey, this.now());
    const result = checkCode(this.key, `${KIND}/${userKey}/${stored?.salt ?? ''}`, stored, response, this.now());
    if (result === 'ok' || !stored || stored.triesLeft <= 0) await this.store.ephemeral.delete(KIND, userKey);
    else await this.store.ephemeral.put(KIND, userKey, stored, stored.expiresAt);
    return result === 'ok' ? 'complete' : 'failed';
  }
}
