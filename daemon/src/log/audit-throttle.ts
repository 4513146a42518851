// Refusals (429s, missing or wrong kiosk secrets) are audited, but an attacker who can cause them can
// cause millions: per action and source, at most `perWindow` records per window are written; the
// rest are counted and reported in one summary record when the window ends.
import type { AuditEvent, AuditSink } from './audit.js';

export class ThrottledAudit {
  private readonly windows = new Map<string, { start: number; written: number; suppressed: number; sample: AuditEvent }>();

  constructor(private readonly sink: AuditSink, private readonly now: () => number, private readonly perWindow = 20, private readonly windowMs = 60_000, private readonly maxKeys = 1000) {}

  write(event: AuditEvent): void {
    const now = this.now();
    const key = `${event.action}|${event.source ?? ''}`;
    let w = this.windows.get(key);
    if (w && now - w.start >= this.windowMs) { this.flush(key, w); w = undefined; }
    if (!w) {
      // Bounded memory: when too many distinct sources are seen, close every window early.
      if (this.windows.size >= this.maxKeys) for (const [k, old] of [...this.windows]) this.flush(k, old);
      w = { start: now, written: 0, suppressed: 0, sample: event };
      this.windows.set(key, w);
    }
    if (w.written < this.perWindow) { w.written++; this.sink.write(event); } else w.suppressed++;
  }

  private flush(key: string, w: { suppressed: number; sample: AuditEvent }): void {
    this.windows.delete(key);
    if (w.suppressed > 0) {
      this.sink.write({ ...w.sample, result: 'refused', reason: 'suppressed', details: { ...(w.sample.details ?? {}), suppressed: w.suppressed } });
    }
  }
}
