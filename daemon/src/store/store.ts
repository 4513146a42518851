// The storage interface. SQLite (embedded, one gateway or standalone) and PostgreSQL (several
// gateways sharing state) implement it with the same meaning; one contract test suite runs on both.
// Every method that decides something (a rate gate, a lease, a join token use) is atomic across all
// processes sharing the store: a check and the write that follows it happen in one transaction.
import type { EnrolledFactor, FactorType } from '../factors/factor.js';
import type { PopulationRepo } from './population-repo.js';

export interface FactorRepo {
  list(userKey: string): Promise<EnrolledFactor[]>;
  /** Every confirmed factor of one type, all users (decoys copy the shape of real security keys). */
  listConfirmed(type: FactorType): Promise<EnrolledFactor[]>;
  get(id: string): Promise<EnrolledFactor | undefined>;
  insert(f: EnrolledFactor): Promise<void>;
  update(id: string, patch: { confirmed?: boolean; data?: Record<string, unknown>; hint?: string }): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Short-lived records (recovery sessions, enrollment tokens, help-desk codes) with an expiry. */
export interface EphemeralRepo {
  get<T>(kind: string, id: string, now: number): Promise<T | undefined>;
  put(kind: string, id: string, value: unknown, expiresAt: number): Promise<void>;
  delete(kind: string, id: string): Promise<void>;
  purgeExpired(now: number): Promise<number>;
}

/** A gate and the most attempts it may hold within the window. */
export interface GateLimit {
  readonly gate: string;
  readonly limit: number;
}

export type ReserveResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly gate: string; readonly blockedUntil?: number };

export interface RateRepo {
  /** Records one event on `gate` and returns how many fall within the window (this one included). */
  hit(gate: string, now: number, windowMs: number): Promise<number>;
  block(gate: string, until: number): Promise<void>;
  blockedUntil(gate: string, now: number): Promise<number | undefined>;
  /**
   * Reserves one attempt on every gate before the attempt is judged, atomically across processes:
   * refused (nothing recorded) when any gate is blocked or already holds `limit` events in the
   * window — pending reservations count. Otherwise one event tagged `reservation` is recorded per gate.
   */
  reserve(reservation: string, gates: readonly GateLimit[], now: number, windowMs: number): Promise<ReserveResult>;
  /** The attempt succeeded: its events are removed, so success costs nothing. */
  release(reservation: string): Promise<void>;
  /**
   * The attempt failed: its events stay counted; each gate that now holds `limit` events in the
   * window is blocked until `blockUntil`. Returns the gates blocked by this call.
   */
  commitFailure(reservation: string, gates: readonly GateLimit[], now: number, windowMs: number, blockUntil: number): Promise<string[]>;
}

/**
 * Short exclusive leases, e.g. one per recovery session, so that two requests for the same
 * session (on one process or on two gateways) are never judged at the same time.
 */
export interface LeaseRepo {
  /** Takes the lease when it is free or expired; returns false while another holder has it. */
  acquire(key: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `holder` still has it. */
  release(key: string, holder: string): Promise<void>;
  /** Deletes leases expired by `now` (held by a process that died, or claims such as seen SSO tokens); returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** A workstation (relay) joined to the gateway; its identity is its certificate. */
export interface DeviceRecord {
  readonly id: string;
  /** Host name the device reported at join (informational, never trusted for decisions). */
  readonly name: string;
  /** Serial (hex) of the device certificate the gateway issued. */
  readonly certSerial: string;
  /** SHA-256 (hex) of the device certificate's public key. */
  readonly publicKeySha256: string;
  readonly joinedAt: string;
  readonly lastSeenAt?: string;
  readonly revokedAt?: string;
  /** AD domain the workstation said it belongs to (default directory for bare names). */
  readonly domain?: string;
}

export interface DeviceRepo {
  insert(d: DeviceRecord): Promise<void>;
  get(id: string): Promise<DeviceRecord | undefined>;
  bySerial(certSerial: string): Promise<DeviceRecord | undefined>;
  list(): Promise<DeviceRecord[]>;
  touch(id: string, at: string): Promise<void>;
  /** Returns false when there is no such device. */
  revoke(id: string, at: string): Promise<boolean>;
}

/** Join tokens are stored by hash only; the token itself is shown once at creation. */
export interface JoinTokenRecord {
  readonly id: string;
  readonly tokenHash: string;
  readonly usesLeft: number;
  readonly expiresAt: number;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface JoinTokenRepo {
  insert(t: JoinTokenRecord): Promise<void>;
  /** Atomically uses one: true when the token existed, was unexpired and had a use left. */
  consume(tokenHash: string, now: number): Promise<boolean>;
  list(now: number): Promise<JoinTokenRecord[]>;
  delete(id: string): Promise<void>;
}

export interface Store {
  readonly factors: FactorRepo;
  readonly ephemeral: EphemeralRepo;
  readonly rates: RateRepo;
  readonly leases: LeaseRepo;
  readonly devices: DeviceRepo;
  readonly joinTokens: JoinTokenRepo;
  /** Discovery and sync: targeted population, statuses, watermarks, reminders sent (issue 12). */
  readonly population: PopulationRepo;
  /** Which backend ("sqlite", "postgres") for status pages and doctor. */
  readonly kind: string;
  close(): Promise<void>;
}
