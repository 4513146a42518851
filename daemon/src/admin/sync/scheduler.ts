// Periodic sync of every directory (default every minute). Runs never overlap: the next round is
// planned when the previous one ends. A failing directory does not stop the others; its connector
// status records the error (sync-engine.ts).
import type { Logger } from '../../log/logger.js';
import type { SyncEngine } from './sync-engine.js';

export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly engine: SyncEngine, private readonly intervalMs: number, private readonly log: Logger) {}

  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    // The first round one interval after start: start-up stays quick, and `keyhatch sync` exists for "now".
    this.plan(this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private plan(delay: number): void {
    this.timer = setTimeout(() => {
      this.round = this.runOnce().finally(() => { this.round = undefined; if (!this.stopped) this.plan(this.intervalMs); });
    }, delay);
    this.timer.unref();
  }

  /** One round over every directory (also what tests call). */
  async runOnce(): Promise<void> {
    for (const id of this.engine.directoryIds) {
      await this.engine.sync(id).catch((err: unknown) => this.log.debug('scheduled sync failed', { directory: id, error: (err as Error).message }));
    }
  }
}
