// Recovery sessions in the shared store: saved whole, found by the hash of their bearer id, answering
// only to the client that created them, and worked on under a lease so two requests (on this
// gateway or another sharing the store) never interleave.
import { createHash, randomUUID } from 'node:crypto';
import type { DirectoryUser } from '../directory/directory.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { FactorScratch } from '../factors/factor.js';
import type { AuditSink } from '../log/audit.js';
import type { Store } from '../store/store.js';
import type { ClientInfo } from './client-info.js';
import type { Requirements } from './factor-policy.js';

const KIND = 'recovery';
const LEASE_MS = 30_000;
const LEASE_WAIT_MS = 10_000;

export interface RecoverySession {
  /** SHA-256 of the session id: the id itself is a bearer value and is never stored or logged. */
  ref: string;
  binding: string;
  createdAt: number;
  expiresAt: number;
  locale: string;
  decoy: boolean;
  /** As typed (trimmed), for the audit trail. */
  username: string;
  user?: DirectoryUser;
  /** Whose factors the store is asked about (the user, or the probe account for decoys). */
  listKey: string;
  /** Stable per account (or canonical name): keys the decoy answers so repeats look the same. */
  probeKey: string;
  /** Per-user gates: the canonical name, plus the account when the name resolved to one. */
  userGates: string[];
  /** Failures count on the device and source only for names that resolved to an account. */
  resolved: boolean;
  verified: string[];
  scratch: Record<string, FactorScratch>;
  /** Failed tries per menu entry in this session (TOTP, questions, security keys). */
  tries: Record<string, number>;
  requirements: Requirements;
  unlocked?: boolean;
  /** The password was reset: the session stays, closed, until it expires (see RecoveryService.reset). */
  done?: boolean;
}

export interface LoadOptions {
  /** Return a closed (done) session instead of answering SESSION_EXPIRED. */
  readonly done?: boolean;
}

export class RecoverySessions {
  constructor(private readonly d: { store: Store; audit: AuditSink; now: () => number }) {}

  async save(s: RecoverySession): Promise<void> {
    await this.d.store.ephemeral.put(KIND, s.ref, s, s.expiresAt);
  }

  /** Unknown, expired and someone else's sessions all look the same: SESSION_EXPIRED. */
  async load(id: unknown, client: ClientInfo, opts: LoadOptions = {}): Promise<RecoverySession> {
    if (typeof id !== 'string' || id.length > 64) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'malformed id' });
    const s = await this.d.store.ephemeral.get<RecoverySession>(KIND, hashId(id), this.d.now());
    if (!s) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'no such session' });
    if (s.binding !== client.binding) {
      this.d.audit.write({ action: 'recovery.binding-mismatch', actor: 'unknown', target: s.username, result: 'refused', reason: 'SESSION_EXPIRED', correlationId: corr(s), device: client.device, source: client.source });
      throw new KeyhatchError('SESSION_EXPIRED', { reason: 'client binding mismatch' });
    }
    if (s.done && !opts.done) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'session closed after its reset' });
    return s;
  }

  /**
   * Runs `fn` holding the session's lease, so two requests for one session — on this process or on
   * another sharing the store — never read and write its state (tries, answered prompts) at once.
   */
  async locked<T>(id: unknown, client: ClientInfo, fn: (s: RecoverySession) => Promise<T>, opts: LoadOptions = {}): Promise<T> {
    if (typeof id !== 'string' || id.length > 64) throw new KeyhatchError('SESSION_EXPIRED', { reason: 'malformed id' });
    const key = `${KIND}:${hashId(id)}`;
    const holder = randomUUID();
    const deadline = Date.now() + LEASE_WAIT_MS;
    while (!await this.d.store.leases.acquire(key, holder, this.d.now(), LEASE_MS)) {
      // Held that long: a request still running, or a gateway that died holding it (the lease expires).
      if (Date.now() > deadline) throw new KeyhatchError('SESSION_BUSY', { reason: 'session lease held' });
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
    try {
      return await fn(await this.load(id, client, opts));
    } finally {
      await this.d.store.leases.release(key, holder);
    }
  }

  async delete(ref: string): Promise<void> {
    await this.d.store.ephemeral.delete(KIND, ref);
  }

  async purgeExpired(now: number): Promise<void> {
    await this.d.store.ephemeral.purgeExpired(now);
  }
}

/** Sessions are stored and correlated by this hash; the id itself is a bearer value. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Audit correlation id: a prefix of the hash, never of the bearer id. */
export function corr(s: RecoverySession): string { return s.ref.slice(0, 12); }
