// Holds an answer that depends on who a name belongs to until a common floor: a high quantile of
// the same operation's recent durations, over every name alike (decoys included). Directory work
// differs by account — a privileged user's token groups cost the DC more than the probe account's
// that decoys read — and a gap of a millisecond or two is measurable over a few hundred tries.
// Below the floor every answer leaves at the same time; only the slowest tail keeps its own.
import { setTimeout as sleep } from 'node:timers/promises';

export interface AnswerFloorOptions {
  /** The quantile of recent durations answers are held to (default 0.9). */
  readonly quantile?: number;
  /** How many recent durations it is taken over (default 200). */
  readonly window?: number;
  /** Never held longer than this (default 2 s): a stall elsewhere must not make every answer slow. */
  readonly maxMs?: number;
  /** For tests: a clock in ms and a sleep (defaults: performance.now, timers/promises). */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

export class AnswerFloor {
  private readonly recent: number[] = [];
  private next = 0;
  private readonly quantile: number;
  private readonly window: number;
  private readonly maxMs: number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(o: AnswerFloorOptions = {}) {
    this.quantile = o.quantile ?? 0.9;
    this.window = o.window ?? 200;
    this.maxMs = o.maxMs ?? 2_000;
    this.clock = o.clock ?? (() => performance.now());
    this.sleep = o.sleep ?? sleep;
  }

  /** Runs `work`; its answer or error is released no sooner than the floor. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const t0 = this.clock();
    const floor = this.floor();
    try {
      return await work();
    } finally {
      const took = this.clock() - t0;
      this.record(took);
      const wait = Math.min(floor, this.maxMs) - took;
      if (wait > 0) await this.sleep(wait);
    }
  }

  /** The current floor in ms (0 until something was measured). */
  floor(): number {
    if (this.recent.length === 0) return 0;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(this.quantile * sorted.length))] as number;
  }

  private record(ms: number): void {
    if (this.recent.length < this.window) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % this.window;
  }
}
