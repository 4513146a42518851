// Password-expiry reminders and enrollment campaigns (docs/admin.md). Both go to the targeted
// population only (in scope, not disabled, with a mail address), as synchronised in the store.
// A mail is claimed in the store (kind, user, UTC day) before it is sent, so no user gets the same
// kind twice on one day, whichever gateway runs the job. Dry runs claim nothing and send nothing.
import { randomUUID } from 'node:crypto';
import type { AuditSink } from '../../log/audit.js';
import type { Logger } from '../../log/logger.js';
import type { Mailer } from '../../notify/mailer.js';
import { utcDay, type PopulationRecord } from '../../store/population-repo.js';
import type { Store } from '../../store/store.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import { renderReminder, type ReminderKind } from './reminder-templates.js';

const DAY_MS = 86_400_000;

export interface ReminderSettings {
  readonly reminders: { readonly enabled: boolean; readonly daysBefore: readonly number[]; readonly language: string };
  readonly campaign: { readonly enabled: boolean; readonly everyDays: number; readonly maxMails: number };
  readonly portalUrl?: string | undefined;
}

export interface PlannedMail {
  readonly kind: ReminderKind;
  readonly directoryId: string;
  readonly accountName: string;
  readonly to: string;
  /** Expiry reminders: whole days left; campaign: how many campaign mails this user had before. */
  readonly days?: number;
  readonly previous?: number;
  /** The outcome: sent, would-send (dry run), already-sent-today, failed. */
  readonly result: 'sent' | 'would-send' | 'already-sent-today' | 'failed';
}

export interface ReminderDeps {
  readonly store: Store;
  readonly engine: SyncEngine;
  readonly mailer?: Mailer | undefined;
  readonly settings: ReminderSettings;
  readonly audit?: AuditSink;
  readonly log: Logger;
  readonly now?: () => number;
}

const licensed = (r: PopulationRecord): boolean => r.inScope && !r.disabled && r.mail !== '';

export class ReminderService {
  private readonly now: () => number;
  constructor(private readonly d: ReminderDeps) { this.now = d.now ?? Date.now; }

  /** Runs both jobs (each only when enabled, or `force`d for a dry-run report). */
  async run(opts: { dryRun?: boolean; force?: boolean } = {}): Promise<PlannedMail[]> {
    const out: PlannedMail[] = [];
    if (this.d.settings.reminders.enabled || opts.force) out.push(...await this.expiry(opts.dryRun ?? false));
    if (this.d.settings.campaign.enabled || opts.force) out.push(...await this.campaign(opts.dryRun ?? false));
    return out;
  }

  /** Targeted users whose password expires in one of the configured numbers of days (never-expiring ones skipped). */
  async expiry(dryRun: boolean): Promise<PlannedMail[]> {
    const now = this.now();
    const days = new Set(this.d.settings.reminders.daysBefore);
    const out: PlannedMail[] = [];
    for (const directoryId of this.d.engine.directoryIds) {
      const rows = new Map((await this.d.store.population.all(directoryId)).filter(licensed).map((r) => [r.objectId, r]));
      if (rows.size === 0) continue;
      const due: { r: PopulationRecord; left: number; expiresAt: number }[] = [];
      await this.d.engine.source(directoryId).session((s) => s.passwordExpiries(async (page) => {
        for (const e of page) {
          const r = rows.get(e.objectId);
          // null: never expires; 0: must change already (the sign-in screen asks, a reminder would not help).
          if (!r || e.expiresAt === null || e.expiresAt === 0 || e.expiresAt <= now) continue;
          const left = Math.round((e.expiresAt - now) / DAY_MS); // the daily run meets each whole day once
          if (days.has(left)) due.push({ r, left, expiresAt: e.expiresAt });
        }
      }));
      for (const { r, left, expiresAt } of due) {
        const vars = { name: r.displayName || r.accountName, user: r.accountName, days: String(left), date: new Date(expiresAt).toISOString().slice(0, 10) };
        out.push(await this.deliver('expiry', r, vars, dryRun, { days: left }));
      }
    }
    return out;
  }

  /** DISCOVERED users (in scope, not enrolled) every `everyDays`, at most `maxMails` times; enrolling stops it. */
  async campaign(dryRun: boolean): Promise<PlannedMail[]> {
    const { everyDays, maxMails } = this.d.settings.campaign;
    const today = utcDay(this.now());
    const out: PlannedMail[] = [];
    for (const directoryId of this.d.engine.directoryIds) {
      for (let offset = 0; ; offset += 500) {
        const { rows } = await this.d.store.population.list({ directoryId, status: 'DISCOVERED', limit: 500, offset });
        for (const r of rows.filter(licensed)) {
          const sent = await this.d.store.population.notices('campaign', r.userKey);
          if (sent.length >= maxMails) continue;
          const last = sent[0];
          if (last !== undefined && last !== today && Date.parse(today) - Date.parse(last) < everyDays * DAY_MS) continue;
          const vars = { name: r.displayName || r.accountName, user: r.accountName, link: this.d.settings.portalUrl ?? '' };
          out.push(await this.deliver('campaign', r, vars, dryRun, { previous: last === today ? sent.length - 1 : sent.length }));
        }
        if (rows.length < 500) break;
      }
    }
    return out;
  }

  private async deliver(kind: ReminderKind, r: PopulationRecord, vars: Record<string, string>, dryRun: boolean, extra: { days?: number; previous?: number }): Promise<PlannedMail> {
    const base = { kind, directoryId: r.directoryId, accountName: r.accountName, to: r.mail, ...extra };
    const day = utcDay(this.now());
    if (dryRun) {
      const already = (await this.d.store.population.notices(kind, r.userKey))[0] === day;
      return { ...base, result: already ? 'already-sent-today' : 'would-send' };
    }
    if (!this.d.mailer) return { ...base, result: 'failed' };
    if (!await this.d.store.population.claimNotice(kind, r.userKey, day, this.now())) return { ...base, result: 'already-sent-today' };
    const mail = renderReminder(kind, this.d.settings.reminders.language, vars);
    try {
      await this.d.mailer.send({ to: r.mail, ...mail });
      this.d.audit?.write({ action: `reminder.${kind}`, actor: 'reminders', target: r.accountName, result: 'success', correlationId: randomUUID(), details: { directory: r.directoryId, ...extra } });
      return { ...base, result: 'sent' };
    } catch (err) {
      // The claim stays: a broken mail server must not turn into a retry storm; tomorrow is the next chance.
      this.d.log.warn('reminder mail failed', { kind, user: r.accountName, error: (err as Error).message });
      this.d.audit?.write({ action: `reminder.${kind}`, actor: 'reminders', target: r.accountName, result: 'failure', reason: 'DELIVERY_FAILED', correlationId: randomUUID() });
      return { ...base, result: 'failed' };
    }
  }
}
