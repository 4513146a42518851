// Reads this gateway's audit trail (audit.log and its rotated files, JSON lines) for the console:
// newest first, filtered, bounded. Each gateway writes its own file: with several gateways, each
// console shows the events of the gateway that serves it (ship the files to a SIEM for one view).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface AuditRecord {
  timestamp: string;
  action: string;
  actor: string;
  target?: string;
  result: string;
  reason?: string;
  correlationId: string;
  device?: string;
  source?: string;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  /** Action, or a prefix ending in "." (e.g. "console."). */
  action?: string;
  actor?: string;
  target?: string;
  result?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Bytes read from the end of each file at most: the viewer is for recent events. */
const TAIL_BYTES = 16 * 1024 * 1024;
export const MAX_LIMIT = 5000;

async function tailLines(file: string): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // a partial first line
    return lines;
  } finally { await fh.close(); }
}

const contains = (hay: string | undefined, needle: string | undefined) => !needle || (hay ?? '').toLowerCase().includes(needle.toLowerCase());

export function matches(e: AuditRecord, f: AuditFilter): boolean {
  if (f.action && !(f.action.endsWith('.') ? e.action.startsWith(f.action) : e.action === f.action)) return false;
  if (!contains(e.actor, f.actor) || !contains(e.target, f.target)) return false;
  if (f.result && e.result !== f.result) return false;
  const t = Date.parse(e.timestamp);
  if (f.since !== undefined && !(t >= f.since)) return false;
  if (f.until !== undefined && !(t < f.until)) return false;
  return true;
}

export async function readAudit(dir: string, f: AuditFilter = {}): Promise<AuditRecord[]> {
  const limit = Math.min(Math.max(1, f.limit ?? 200), MAX_LIMIT);
  let names: string[];
  try { names = (await readdir(dir)).filter((n) => /^audit\d*\.log$/.test(n)); } catch { return []; }
  const files = await Promise.all(names.map(async (n) => ({ path: join(dir, n), mtime: (await stat(join(dir, n))).mtimeMs })));
  files.sort((a, b) => b.mtime - a.mtime);
  const out: AuditRecord[] = [];
  for (const file of files) {
    const lines = await tailLines(file.path);
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]?.trim();
      if (!line) continue;
      let e: AuditRecord;
      try { e = JSON.parse(line) as AuditRecord; } catch { continue; }
      if (typeof e.action !== 'string' || typeof e.timestamp !== 'string') continue;
      if (matches(e, f)) out.push(e);
    }
    if (out.length >= limit) break;
  }
  return out;
}
