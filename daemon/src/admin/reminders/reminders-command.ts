// `keyhatch reminders [--dry-run]`: runs today's expiry reminders and campaign mails, or lists
// what they would send (a dry run sends and records nothing).
import type { CoreServices } from '../../main.js';
import { SmtpMailer } from '../../notify/mailer.js';
import type { Store } from '../../store/store.js';
import { buildPopulation } from '../population/build.js';
import { ReminderService } from './reminder-service.js';

export async function runRemindersCommand(core: CoreServices, store: Store, dryRun: boolean, io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const c = core.config;
  const { engine } = buildPopulation({ config: c, store, adDirectories: core.adDirectories ?? (core.ad ? [core.ad] : []), log: core.log, audit: core.audit });
  if (!dryRun && !c.smtp) { io.stderr('keyhatch: CONFIG_INVALID: smtp is not configured: reminders cannot be sent (try --dry-run)'); return 2; }
  const mailer = c.smtp ? new SmtpMailer(c.smtp.url, c.smtp.from, c.smtp.caFile) : undefined;
  const svc = new ReminderService({ store, engine, mailer, settings: c.population, log: core.log, audit: core.audit });
  const planned = await svc.run({ dryRun, force: dryRun });
  for (const p of planned) {
    io.stdout(`${p.result.padEnd(18)} ${p.kind.padEnd(8)} ${p.directoryId}\t${p.accountName}\t${p.to}${p.days !== undefined ? `\t${p.days} day(s) left` : ''}`);
  }
  io.stdout(`${planned.filter((p) => p.result === (dryRun ? 'would-send' : 'sent')).length} mail(s) ${dryRun ? 'would be sent' : 'sent'}`);
  return planned.some((p) => p.result === 'failed') ? 1 : 0;
}
