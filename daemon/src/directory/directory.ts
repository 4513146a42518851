// The one directory interface. Active Directory and Entra ID implement it; the backend is chosen
// once in the composition root (daemon/src/core/core-services.ts) and nothing else asks which one it is.
// Its vocabulary is neutral: AD's DN and sAMAccountName, Entra's object id stay inside the backends.
import type { PasswordPolicy } from '../password/policy.js';

import type { PopulationSource } from './population-source.js';

/**
 * What the user does not know yet about a reset a crash or a lost DC interrupted: it `completed`, or it
 * was `interrupted` (a temporary password nobody knows). `user` is null when the account cannot be found.
 */
export type InterruptedResetListener = (reset: { readonly user: string; readonly startedAt: string; readonly correlationId: string },
  outcome: 'interrupted' | 'completed' | 'still-open' | 'not-applied' | 'settled', user: DirectoryUser | null) => Promise<void>;

export interface DirectoryUser {
  /** Stable id within the backend, opaque to everyone else (AD: the DN; Entra: the object id). */
  readonly id: string;
  /** Survives renames and moves (AD: objectGUID); enrollment is keyed by it. Defaults to `id`. */
  readonly key?: string;
  /** The short logon name (AD: sAMAccountName; Entra: the on-premises one of a synced user). */
  readonly accountName?: string;
  readonly userPrincipalName?: string;
  readonly displayName?: string;
  readonly mail?: string;
  readonly mobile?: string;
  readonly sid?: string; // Windows account SID (AD objectSid; Entra onPremisesSecurityIdentifier): the user's logon tile
}

export interface AccountStatus {
  readonly locked: boolean;
  readonly disabled: boolean;
  readonly passwordExpired: boolean;
  readonly mustChange: boolean;
  readonly accountExpired: boolean;
  readonly pwdLastSet: string | null;
  readonly lockoutTime: string | null;
  readonly badPwdCount: number;
}

export interface PrivilegeInfo {
  /**
   * Self-service and the help desk must refuse this account. Decided by the backend that holds
   * the account, with that backend's own `allowPrivileged` and exceptions already applied.
   */
  readonly privileged: boolean;
  /** What marks it privileged: well-known or configured groups, roles, or "adminCount=1". */
  readonly via: readonly string[];
  /** adminCount=1 (AdminSDHolder-protected; usually a current or former admin). */
  readonly adminCountHint: boolean;
  /** Set when `via` is not empty but the configuration allows the account (which key allowed it). */
  readonly allowedBy?: string;
}

/** Who asked and for what; flows into the audit log and the reset journal. */
export interface OperationContext {
  readonly correlationId: string;
  readonly actor: string;
  /** Operations that may need a retry (two-step reset) are keyed by this. */
  readonly operationId?: string;
}

/** What the caller knows about where a name comes from (several directories; see routing/). */
export interface LookupHint {
  /** The workstation's own domain (NetBIOS or DNS name, as its relay reports it): where a bare name is looked up. */
  readonly defaultDomain?: string;
}

/** One line of `keyhatch doctor`. */
export interface DirectoryCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Passes, but the admin should act (printed as WARN; exit code stays 0). */
  warn?: boolean;
}

/** Where the keytab and the service principal for Negotiate single sign-on come from (adminConsole.negotiate). */
export interface SingleSignOnSettings { readonly keytabFile: string; readonly servicePrincipal: string }

/** Claims a key once within `ttlMs`; false when it was claimed before (a replayed authenticator). */
export interface ReplayCache { claim(key: string, ttlMs: number): Promise<boolean> }

export interface SingleSignOn {
  /** What the keytab holds for the service principal (doctor). */
  readonly describe: string;
  /**
   * The account a browser's base64 `Authorization: Negotiate` token proves, as findUser reads it;
   * NEGOTIATE_MALFORMED (undecodable) or NEGOTIATE_FAILED (refused; `reason` says why) otherwise.
   */
  accept(token: string): Promise<{ username: string; principal: string }>;
}

export interface Directory {
  /** Human name of the backend for logs and `doctor` ("Active Directory", "Entra ID"). */
  readonly label: string;
  /** Null for an unknown name; single-directory backends ignore the hint. */
  findUser(name: string, hint?: LookupHint): Promise<DirectoryUser | null>;
  accountStatus(user: DirectoryUser): Promise<AccountStatus>;
  privilege(user: DirectoryUser): Promise<PrivilegeInfo>;
  /** Ids/DNs of every group the user belongs to, nested groups included. */
  groups(user: DirectoryUser): Promise<string[]>;
  /**
   * The key two spellings of one group id share (AD: the normalised DN), for matching configured
   * groups against `groups()`. Without it, ids compare case-insensitively (see groupKeyOf).
   */
  groupKey?(id: string): string;
  effectivePolicy(user: DirectoryUser): Promise<PasswordPolicy>;
  unlock(user: DirectoryUser, ctx: OperationContext): Promise<void>;
  /**
   * Sets a new password with history enforced. When the directory rejects it after an
   * intermediate step, the operation stays open under ctx.operationId so a retry with
   * another password completes it; call `abandonReset` when the caller gives up.
   */
  resetPassword(user: DirectoryUser, newPassword: string, ctx: OperationContext): Promise<void>;
  /** Returns true when an operation was open (the account then holds a temporary password). */
  abandonReset(operationId: string, ctx: OperationContext): Promise<boolean>;
  changePassword(user: DirectoryUser, oldPassword: string, newPassword: string, ctx: OperationContext): Promise<void>;
  /**
   * Any ordinary user under the search base. Recovery runs its decoy lookups against it so an
   * unknown name costs the same directory work as a real one. Optional.
   */
  sampleUser?(): Promise<DirectoryUser | null>;
  /** Proves the user's current password (enrollment sign-in). */
  verifyPassword(user: DirectoryUser, password: string): Promise<void>;
  /**
   * A user that does not exist, shaped like `near` (e.g. the sample user): enrollment binds as it
   * for an unknown name, so that costs the directory the same work and moves no real account's counter.
   */
  absentUser(near: DirectoryUser | null): DirectoryUser;
  /** The backend's own identifiers of a user, for the help desk's `user show` (AD: dn, sAMAccountName). */
  describe(user: DirectoryUser): Record<string, string | null>;
  /** `keyhatch doctor`: connection, credentials and every right this backend needs, one line each. */
  doctorChecks?(): Promise<DirectoryCheck[]>;
  /**
   * At start-up: settles operations an earlier run left half-done (AD's two-step reset journal) and
   * names the accounts that still hold a temporary password.
   */
  interruptedResets?(onOutcome?: InterruptedResetListener): Promise<string[]>;
  /**
   * What discovery and sync read (admin/sync), one per directory this backend serves; `name` is the
   * directory's configured name ("default" for the single-directory form). Absent: not synchronised.
   */
  populationSources?(name: string): PopulationSource[];
  /**
   * Negotiate (Kerberos) single sign-on for this directory's own realm (AD: the gateway's HTTP
   * service principal and its keytab). Absent: the backend offers none. CONFIG_INVALID when the
   * keytab is unusable (unreadable, readable by others, no AES key for the principal, another realm).
   */
  singleSignOn?(settings: SingleSignOnSettings, replay: ReplayCache, now: () => number): SingleSignOn;
  close(): Promise<void>;
}

export function userKeyOf(user: DirectoryUser): string {
  return user.key ?? user.id;
}

/** The directory's comparison key for a group id (case-insensitive when the backend has none). */
export function groupKeyOf(directory: Directory, id: string): string {
  return directory.groupKey?.(id) ?? id.toLowerCase();
}
