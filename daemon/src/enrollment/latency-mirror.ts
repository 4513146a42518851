// Makes one path take as long as another that the service cannot make cheaper: it remembers recent
// durations of the slow path (a failed bind for a real account) and delays the fast path (a bind as
// nobody) to a duration drawn from them. Both then follow the same distribution, under any load,
// because the samples are taken from the same machine at about the same time.
export class LatencyMirror {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly size = 64) {}

  record(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  /** Waits until `elapsedMs` reaches a recorded duration chosen at random (no wait before any is recorded). */
  async pad(elapsedMs: number): Promise<void> {
    if (this.samples.length === 0) return;
    const target = this.samples[Math.floor(Math.random() * this.samples.length)] as number;
    if (target > elapsedMs) await new Promise((r) => setTimeout(r, target - elapsedMs));
  }
}
