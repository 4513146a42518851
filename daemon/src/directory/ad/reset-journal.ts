// Durable record of two-step resets that are between their steps. If the daemon dies there, the
// account holds a random temporary password nobody knows; the journal lets the next start find
// out and either confirm the reset finished or report it. It never holds a password.
import { mkdir, readdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { diskError } from '../../errors/disk-errors.js';

export type JournalState = 'temporary-set' | 'abandoned' | 'reported';

export interface JournalEntry {
  readonly operationId: string;
  readonly userDn: string;
  readonly user: string;
  readonly startedAt: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly state: JournalState;
  /**
   * URL of the DC that took step 1. With several DCs, only that one can tell that step 1 never
   * happened: another may not have received it yet. Absent in entries written before it existed.
   */
  readonly dc?: string;
}

export class ResetJournal {
  constructor(private readonly dir: string) {}

  private file(operationId: string): string {
    return join(this.dir, `${createHash('sha256').update(operationId).digest('hex').slice(0, 32)}.json`);
  }

  /** Written and fsynced before the first step touches the directory. */
  async write(entry: JournalEntry): Promise<void> {
    const target = this.file(entry.operationId);
    const tmp = `${target}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
      const fh = await open(tmp, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      await rename(tmp, target);
    } catch (err) {
      // Full or read-only disk: the entry is not there, so the reset must not start (the caller
      // writes it before step 1). A torn .tmp is ignored by list() and removed here if possible.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw diskError(err, 'reset journal');
    }
  }

  async remove(operationId: string): Promise<void> {
    await rm(this.file(operationId), { force: true });
  }

  async list(): Promise<JournalEntry[]> {
    let names: string[];
    try { names = await readdir(this.dir); } catch { return []; }
    const out: JournalEntry[] = [];
    for (const n of names.filter((f) => f.endsWith('.json'))) {
      try { out.push(JSON.parse(await readFile(join(this.dir, n), 'utf8')) as JournalEntry); } catch { /* torn write of a .tmp never renamed */ }
    }
    return out;
  }
}
