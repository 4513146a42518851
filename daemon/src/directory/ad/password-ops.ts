// Unlock, reset and change against AD. Reset enforces password history either with the
// policy-hints control (real AD 2008 R2 SP1+) or, where the DC lacks it (Samba), in two steps:
// (1) reset to a random temporary password with pwdLastSet=0, (2) change temp → target as the
// service account, which makes the DC apply history and complexity. Between the steps the
// operation is kept in memory (for a retry with another password) and in the journal (for a crash).
import { Attribute, Change, Control, BerWriter, type Client } from 'ldapts';
import { randomBytes } from 'node:crypto';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import { faultPoint } from '../../platform/fault-points.js';
import type { OperationContext } from '../directory.js';
import { fileTimeToIso } from './account-flags.js';
import { isConnectionError, mapLdapError } from './ad-errors.js';
import type { AdConnection } from './connection.js';
import type { ResetJournal } from './reset-journal.js';

export const POLICY_HINTS_OID = '1.2.840.113556.1.4.2239';
export const POLICY_HINTS_DEPRECATED_OID = '1.2.840.113556.1.4.2066';

/** LDAP_SERVER_POLICY_HINTS: controlValue = SEQUENCE { Flags INTEGER (1) }. */
export class PolicyHintsControl extends Control {
  constructor(oid = POLICY_HINTS_OID) { super(oid, { critical: true }); }
  protected override writeControl(writer: BerWriter): void {
    const inner = new BerWriter();
    inner.startSequence();
    inner.writeInt(1);
    inner.endSequence();
    writer.writeBuffer(inner.buffer, 0x04);
  }
}

export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

const pwdChange = (operation: 'add' | 'delete' | 'replace', password: string) =>
  new Change({ operation, modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(password)] }) });

/** 32 random characters plus one of each class so any complexity policy accepts it. */
export function temporaryPassword(): string {
  return `${randomBytes(24).toString('base64url')}aZ7#`;
}

interface PendingReset {
  readonly userDn: string;
  /** Replaced when step 1 is taken again on another DC (see stepTwo). */
  temp: string;
  readonly startedAt: string;
  /** URL of the DC that took step 1. */
  dc?: string;
}

/**
 * Step 1: a random temporary password and pwdLastSet=0. Step 2 is a password change, which the DC
 * refuses on a locked-out account ("00000775"), and a locked-out user is who resets most: so step 1
 * also clears the lockout.
 */
const stepOne = (temp: string): Change[] => [
  pwdChange('replace', temp),
  new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }),
  new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
];

export interface ResetTarget {
  readonly dn: string;
  readonly name: string;
}

export class AdPasswordOps {
  private readonly pending = new Map<string, PendingReset>();
  private hintsRefused = false;

  constructor(
    private readonly conn: AdConnection,
    private readonly journal: ResetJournal,
    private readonly audit: AuditSink,
    private readonly log: Logger,
    private readonly strategy: 'auto' | 'policy-hints' | 'two-step',
  ) {}

  async unlock(dn: string): Promise<void> {
    try {
      await this.conn.withService((c) => c.modify(dn, new Change({
        operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }),
      })), 'write');
    } catch (err) { throw mapLdapError(err, 'modify'); }
  }

  private async useHints(): Promise<boolean> {
    if (this.strategy === 'two-step' || this.hintsRefused) return false;
    if (this.strategy === 'policy-hints') return true;
    return (await this.conn.rootDse()).supportedControls.has(POLICY_HINTS_OID);
  }

  /** True while a two-step reset for this operation waits for a password the DC accepts. */
  hasPending(operationId: string): boolean { return this.pending.has(operationId); }

  async reset(target: ResetTarget, newPassword: string, ctx: OperationContext): Promise<void> {
    const opId = ctx.operationId ?? ctx.correlationId;
    const pending = this.pending.get(opId);
    if (pending && pending.userDn !== target.dn) throw new KeyhatchError('BAD_REQUEST', { reason: 'operation id reused for another user' });
    if (!pending && await this.useHints()) {
      try {
        await this.conn.withService((c) => c.modify(target.dn, pwdChange('replace', newPassword), new PolicyHintsControl()), 'write');
        await this.clearJournalFor(target.dn);
        return;
      } catch (err) {
        const mapped = mapLdapError(err, 'password');
        if (!/LDAP result 12\b/.test(mapped.reason ?? '') || this.strategy === 'policy-hints') throw mapped;
        this.hintsRefused = true;
        this.log.warn('DC refused the policy-hints control; using the two-step reset', { dc: this.conn.urls[0] });
      }
    }
    await this.twoStepReset(target, newPassword, ctx, opId);
  }

  private async twoStepReset(target: ResetTarget, newPassword: string, ctx: OperationContext, opId: string): Promise<void> {
    let pending = this.pending.get(opId);
    if (!pending) {
      const temp = temporaryPassword();
      const startedAt = new Date().toISOString();
      let stepOneDc: string | undefined;
      try {
        await this.conn.withService(async (c, dc) => {
          stepOneDc = dc;
          // Journaled (with the DC that takes step 1) before step 1 touches anything.
          await this.journal.write({ operationId: opId, userDn: target.dn, user: target.name, startedAt, actor: ctx.actor, correlationId: ctx.correlationId, state: 'temporary-set', ...(dc ? { dc } : {}) });
          await c.modify(target.dn, stepOne(temp));
        }, 'write');
      } catch (err) {
        // A refused modify changed nothing. A broken connection (DC lost) may have applied it:
        // the entry stays, and the journal check settles it from pwdLastSet once a DC answers.
        if (err instanceof KeyhatchError || !isConnectionError(err)) await this.journal.remove(opId);
        throw mapLdapError(err, 'password');
      }
      pending = { userDn: target.dn, temp, startedAt, ...(stepOneDc ? { dc: stepOneDc } : {}) };
      this.pending.set(opId, pending);
      await faultPoint('between-reset-steps');
    }
    try {
      await this.stepTwo(target, pending, newPassword, ctx);
    } catch (err) {
      // Step 1 is in the directory and no DC took step 2: the user must hear that the reset is not
      // done (not just "try again"); the operation stays open, so choosing a password again finishes it.
      const mapped = isConnectionError(err)
        ? new KeyhatchError('RESET_INCOMPLETE', { reason: `step 2 not taken, no DC answered: ${(err as Error).message}`, cause: err })
        : mapLdapError(err, 'password');
      this.audit.write({ action: 'reset.step2-rejected', actor: ctx.actor, target: target.name, result: 'failure', reason: mapped.code, correlationId: ctx.correlationId,
        details: { violations: mapped.violations?.map((v) => v.code) } });
      if (isKeyhatchError(mapped, 'WRONG_PASSWORD')) {
        // The temporary password no longer works: someone else reset the account in between.
        this.pending.delete(opId);
        await this.journal.remove(opId);
        throw new KeyhatchError('RESET_INCOMPLETE', { reason: 'temporary password was replaced by another change', cause: err });
      }
      throw mapped;
    }
    await faultPoint('after-reset');
    this.pending.delete(opId);
    await this.clearJournalFor(target.dn);
  }

  /**
   * Step 2 on the service connection. When the DC is lost during it, the write may or may not have
   * landed, and the next DC that answers may not have received step 1 yet (its change then fails
   * with "wrong old password"). So that DC is asked first: a pwdLastSet newer than step 1 means
   * step 2 landed; 0 means it holds step 1, and step 2 is applied; anything else means step 1 has
   * not reached it, and both steps are taken there. Its changes are newer
   * than the lost DC's, so they win replication when that DC comes back.
   */
  private async stepTwo(target: ResetTarget, pending: PendingReset, newPassword: string, ctx: OperationContext): Promise<void> {
    const change = (c: Client) => c.modify(target.dn, [pwdChange('delete', pending.temp), pwdChange('add', newPassword)]);
    let usedDc: string | undefined;
    try {
      await this.conn.withService((c, dc) => { usedDc = dc; return change(c); }, 'write');
      return;
    } catch (err) {
      // "Wrong old password" from another DC than step 1's (the service connection failed over in
      // between) is the same case as a lost DC: that DC may not have step 1 yet.
      const otherDc = usedDc !== undefined && pending.dc !== undefined && usedDc !== pending.dc && isKeyhatchError(mapLdapError(err, 'password'), 'WRONG_PASSWORD');
      if (!isConnectionError(err) && !otherDc) throw err;
      this.log.warn('domain controller lost during step 2 of a reset; finishing it on the next one that answers', { error: (err as Error).message });
    }
    await this.conn.withService(async (c, dc) => {
      const { searchEntries } = await c.search(target.dn, { scope: 'base', filter: '(objectClass=user)', attributes: ['pwdLastSet'] });
      const raw = String(searchEntries[0]?.pwdLastSet ?? '');
      const setAt = fileTimeToIso(raw);
      if (setAt && setAt > pending.startedAt) {
        this.log.info('step 2 of the reset had landed before the DC was lost', { dc: dc ?? '?' });
        return;
      }
      if (raw !== '0') {
        // The journal entry stays as it is: it names the lost DC, the one that may still hand its
        // temporary password on, and only a finished reset (which clears it) makes that harmless.
        const temp = temporaryPassword();
        await c.modify(target.dn, stepOne(temp));
        pending.temp = temp;
        if (dc) pending.dc = dc;
        this.audit.write({ action: 'reset.step1-retaken', actor: ctx.actor, target: target.name, result: 'info', correlationId: ctx.correlationId,
          details: { note: 'the DC that took step 1 was lost; both steps are taken on the next one', dc: dc ?? '?' } });
      }
      await change(c);
    }, 'write');
  }

  /** A finished reset settles every older journal entry for the same account. */
  private async clearJournalFor(dn: string): Promise<void> {
    try {
      for (const e of await this.journal.list()) if (e.userDn === dn) await this.journal.remove(e.operationId);
    } catch (err) {
      // The reset is done; an entry left behind (disk full or read-only) is settled as completed
      // by the next journal check, from pwdLastSet. It must not turn a success into an error.
      this.log.warn('reset done, but its journal entry could not be removed yet', { error: (err as Error).message });
    }
  }

  /** The caller gives up between the steps: the account keeps a temporary password nobody knows. */
  async abandon(operationId: string, ctx: OperationContext): Promise<boolean> {
    const pending = this.pending.get(operationId);
    if (!pending) return false;
    this.pending.delete(operationId);
    const entries = await this.journal.list();
    const entry = entries.find((e) => e.operationId === operationId);
    if (entry) await this.journal.write({ ...entry, state: 'abandoned' });
    this.audit.write({ action: 'reset.abandoned', actor: ctx.actor, target: entry?.user ?? pending.userDn, result: 'failure', reason: 'RESET_INCOMPLETE',
      correlationId: ctx.correlationId, details: { note: 'account holds an unknown temporary password and must be reset again' } });
    return true;
  }

  /**
   * A change as the user would make it. The old password is proven by a bind first: a DC lets an
   * account that holds Reset Password (ours) delete+add without checking the old value (measured
   * on Samba). A bind refused with "must change" or "expired" still proves the password was right.
   */
  async change(dn: string, oldPassword: string, newPassword: string): Promise<void> {
    const change = (c: Client) => c.modify(dn, [pwdChange('delete', oldPassword), pwdChange('add', newPassword)]);
    try {
      await this.conn.withBind(dn, oldPassword, change);
      return;
    } catch (err) {
      const mapped = mapLdapError(err, 'password');
      if (mapped.code === 'INVALID_CREDENTIALS') throw new KeyhatchError('WRONG_PASSWORD', { reason: 'old password did not bind', cause: err });
      if (mapped.code !== 'PASSWORD_MUST_CHANGE' && mapped.code !== 'PASSWORD_EXPIRED') throw mapped;
    }
    try {
      await this.conn.withService(change, 'write');
    } catch (err) { throw mapLdapError(err, 'password'); }
  }
}
