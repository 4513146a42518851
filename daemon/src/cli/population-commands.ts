// `keyhatch targets …`, `keyhatch sync`, `keyhatch population list`, `keyhatch reminders`:
// discovery and sync from the command line (docs/admin.md). Same service the admin console uses.
import { openStore } from '../store/open-store.js';
import { buildPopulation, DEFAULT_DIRECTORY_ID } from '../admin/population/build.js';
import type { PopulationService } from '../admin/population/population-service.js';
import type { SyncProgress } from '../admin/sync/sync-engine.js';
import type { CoreServices } from '../main.js';
import type { Store } from '../store/store.js';
import { POPULATION_STATUSES, type PopulationStatus } from '../store/population-repo.js';
import { UsageError } from './args.js';
import { operatorContext } from './helpdesk.js';

export interface PopulationIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Writes without a newline to the terminal (progress bar); absent when output is not a terminal. */
  tty?: ((s: string) => void) | undefined;
}

export async function runPopulationCommand(name: string, core: CoreServices, args: string[], flags: Set<string>, options: Map<string, string>, io: PopulationIo): Promise<number> {
  const store = await openStore({ dataDir: core.config.dataDir, ...(core.config.databaseUrl ? { databaseUrl: core.config.databaseUrl } : {}) });
  try {
    const parts = buildPopulation({ config: core.config, store, adDirectories: core.adDirectories ?? (core.ad ? [core.ad] : []), log: core.log, audit: core.audit });
    const svc = parts.service;
    const directory = options.get('--directory') ?? svc.directories()[0] ?? DEFAULT_DIRECTORY_ID;
    switch (name) {
      case 'targets': return await targets(svc, directory, args, io);
      case 'sync': return await sync(svc, options.has('--directory') ? [directory] : svc.directories(), flags.has('--full'), io);
      case 'population': return await population(svc, args, options, flags, io);
      case 'reminders': return await reminders(core, store, flags.has('--dry-run'), io);
      default: throw new UsageError(`unknown command "${name}"`);
    }
  } finally {
    await store.close();
  }
}

async function targets(svc: PopulationService, directory: string, args: string[], io: PopulationIo): Promise<number> {
  const [action, ...rest] = args;
  const text = rest.join(' ');
  const current = await svc.targetGroups(directory);
  switch (action) {
    case 'search': {
      for (const g of await svc.searchGroups(directory, text)) io.stdout(`${g.name}\t${g.groupId}${g.description ? `\t${g.description}` : ''}`);
      return 0;
    }
    case 'add': case 'remove': {
      if (!text) throw new UsageError(`usage: keyhatch targets ${action} <group DN> [--directory D]`);
      let next = current.map((t) => ({ groupId: t.groupId, name: t.name }));
      if (action === 'add') {
        // The group must exist: found by its own DN through the same search the console uses.
        const hit = (await svc.searchGroups(directory, rdnValue(text), 500)).find((g) => g.groupId.toLowerCase() === text.toLowerCase());
        if (!hit) { io.stderr(`keyhatch: NOT_FOUND: no group ${text} in directory "${directory}"`); return 1; }
        if (!next.some((t) => t.groupId.toLowerCase() === text.toLowerCase())) next.push({ groupId: hit.groupId, name: hit.name });
      } else {
        const before = next.length;
        next = next.filter((t) => t.groupId.toLowerCase() !== text.toLowerCase());
        if (next.length === before) { io.stderr(`keyhatch: NOT_FOUND: ${text} is not a target group of "${directory}"`); return 1; }
      }
      await svc.setTargetGroups(directory, next, operatorContext().actor);
      io.stdout(`${directory}: ${next.length} target group(s); the next sync is a full one`);
      return 0;
    }
    case 'list': {
      const all = await svc.targetGroups();
      if (all.length === 0) io.stdout('no target groups: every user under the base DN is in scope');
      for (const t of all) io.stdout(`${t.directoryId}\t${t.name}\t${t.groupId}`);
      return 0;
    }
    default: throw new UsageError('usage: keyhatch targets <search TEXT | add DN | remove DN | list> [--directory D]');
  }
}

const rdnValue = (dn: string): string => (/^[^=]+=((?:\\.|[^,])*)/.exec(dn)?.[1] ?? dn).replace(/\\(.)/g, '$1');

function progressPrinter(io: PopulationIo): (p: SyncProgress) => void {
  let lastPhase = '';
  return (p) => {
    if (io.tty) {
      const width = 30;
      const frac = p.total ? Math.min(1, p.done / p.total) : undefined;
      const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] `;
      io.tty(`\r${p.directoryId}: ${p.phase.padEnd(7)} ${bar}${p.done}${p.total ? `/${p.total}` : ''} users\x1b[K${p.phase === 'done' ? '\n' : ''}`);
    } else if (p.phase !== lastPhase || p.phase === 'users') {
      io.stdout(`${p.directoryId}: ${p.phase} ${p.done}${p.total ? `/${p.total}` : ''}`);
    }
    lastPhase = p.phase;
  };
}

async function sync(svc: PopulationService, directories: string[], full: boolean, io: PopulationIo): Promise<number> {
  let failed = 0;
  for (const d of directories) {
    try {
      const r = await svc.syncNow(d, progressPrinter(io), { full });
      io.stdout(`${d}: ${r.mode} sync: ${r.scanned} read, ${r.written} written, ${r.removed} removed, ${r.leavers} leaver(s), ${r.statusChanges} status change(s) in ${r.durationMs} ms`);
    } catch (err) {
      failed++;
      io.stderr(`keyhatch: ${d}: ${(err as { code?: string }).code ?? 'INTERNAL'}: ${(err as Error).message}`);
    }
  }
  const lic = await svc.licence();
  if (lic.warning) io.stderr(`keyhatch: warning: ${lic.warning}`);
  return failed > 0 ? 1 : 0;
}

async function population(svc: PopulationService, args: string[], options: Map<string, string>, flags: Set<string>, io: PopulationIo): Promise<number> {
  if (args[0] !== 'list') throw new UsageError('usage: keyhatch population list [--status S] [--search TEXT] [--limit N] [--directory D] [--json]');
  const status = options.get('--status')?.toUpperCase();
  if (status !== undefined && !(POPULATION_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${POPULATION_STATUSES.join(', ')}`);
  const limit = Number(options.get('--limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be 1-500');
  const search = options.get('--search');
  const { total, users } = await svc.listUsers({
    ...(status ? { status: status as PopulationStatus } : {}), ...(search ? { search } : {}), limit,
    ...(options.has('--directory') ? { directoryId: options.get('--directory') as string } : {}),
  });
  const lic = await svc.licence();
  if (flags.has('--json')) {
    io.stdout(JSON.stringify({ total, licence: lic, users }, null, 2));
  } else {
    for (const u of users) io.stdout(`${u.status.padEnd(12)} ${u.directoryId}\t${u.accountName}\t${u.displayName}\t${u.lastChange}`);
    io.stdout(`${users.length} of ${total} shown; licensed users: ${lic.count}${lic.limit !== undefined ? ` of ${lic.limit}` : ''}`);
  }
  if (lic.warning) io.stderr(`keyhatch: warning: ${lic.warning}`);
  return 0;
}

async function reminders(core: CoreServices, store: Store, dryRun: boolean, io: PopulationIo): Promise<number> {
  const { runRemindersCommand } = await import('../admin/reminders/reminders-command.js');
  return runRemindersCommand(core, store, dryRun, io);
}
