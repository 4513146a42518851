// Verification factors as one state machine: a factor type offers prompts() and judges
// respond(); the registry says how much each type weighs and whether users may pick it.
import type { DirectoryUser } from '../directory/directory.js';

export type FactorType = 'email' | 'sms' | 'totp' | 'webauthn' | 'questions' | 'helpdesk';
export const FACTOR_TYPES: readonly FactorType[] = ['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk'];

/** A factor a user enrolled (or that the directory pre-enrolls from `mail` / `mobile`). */
export interface EnrolledFactor {
  readonly id: string;
  readonly userKey: string;
  readonly type: FactorType;
  /** Masked, safe to show: `j•••@c•••.com`, `•••• 1234`. */
  readonly hint: string;
  readonly confirmed: boolean;
  /** Type-specific data. Secrets inside are encrypted (TOTP seed) or hashed (answers) by the factor. */
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
  /** True for factors derived from directory attributes (not stored). */
  readonly fromDirectory?: boolean;
}

export type FactorState = 'in_progress' | 'failed' | 'complete';

/** Per-session, per-factor scratch space the factor keeps between prompts() and respond(). */
export type FactorScratch = Record<string, unknown>;

export interface FactorContext {
  readonly factor: EnrolledFactor;
  readonly user: DirectoryUser;
  readonly scratch: FactorScratch;
  readonly locale: string;
  /** The recovery session id (binds one-time codes to one session). */
  readonly sessionId: string;
  /** Persists changed factor data (e.g. a WebAuthn signature counter). */
  saveData(data: Record<string, unknown>): Promise<void>;
}

/** What a client gets back from a challenge. Never contains a secret. */
export type Prompts = Record<string, unknown>;

export interface FactorMethod {
  readonly type: FactorType;
  /** Message key the UI translates. */
  readonly labelKey: string;
  /** 1 = weak (SMS, questions: NIST SP 800-63B), 2 = strong. */
  readonly weight: number;
  readonly userSelectable: boolean;
  prompts(ctx: FactorContext): Promise<Prompts>;
  respond(ctx: FactorContext, response: unknown): Promise<FactorState>;
}

export class FactorRegistry {
  private readonly methods = new Map<FactorType, FactorMethod>();
  register(m: FactorMethod): this { this.methods.set(m.type, m); return this; }
  get(type: FactorType): FactorMethod | undefined { return this.methods.get(type); }
  types(): FactorType[] { return [...this.methods.keys()]; }
}
