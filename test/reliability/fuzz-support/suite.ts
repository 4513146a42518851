// Declares one mocha test per endpoint: the property runs RUNS cases against it, then the servers
// must still answer and no prototype may have changed.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcParams, fuzzProperty, prototypeSnapshot, RUNS, type Endpoint, type EndpointStats, type FuzzCase, type FuzzContext } from './http-fuzz.js';

export interface FuzzTarget {
  readonly ctx: FuzzContext;
  readonly endpoints: readonly Endpoint[];
  /** Regression examples found by earlier runs, per endpoint ("METHOD /path"). */
  readonly examples?: Record<string, Array<[FuzzCase]>>;
  /** Still alive after the endpoint's run (health answers). */
  alive(): Promise<void>;
}

/** Generous: the hang detector is the per-request limit, this only bounds a whole endpoint's run. */
const PER_CASE_BUDGET_MS = 200;

export function fuzzEndpoints(getTarget: () => FuzzTarget, endpoints: readonly Endpoint[]): void {
  const timings: string[] = [];
  after(() => { if (timings.length > 0) console.log(`      fuzz: ${RUNS} cases per endpoint\n${timings.map((t) => `        ${t}`).join('\n')}`); });
  for (const ep of endpoints) {
    it(`${ep.method} ${ep.path}: ${RUNS} hostile requests, no 5xx without a failing dependency, catalogue codes, no leak, no hang`, async function () {
      this.timeout(60_000 + RUNS * PER_CASE_BUDGET_MS);
      const t = getTarget();
      const before = prototypeSnapshot();
      const stats: EndpointStats = { cases: 0, statuses: {}, maxMs: 0, raw: 0 };
      const started = Date.now();
      await fc.assert(fuzzProperty(ep, t.ctx, stats), fcParams(t.examples?.[`${ep.method} ${ep.path}`] ?? []));
      timings.push(`${ep.method} ${ep.path}: ${((Date.now() - started) / 1000).toFixed(1)} s, slowest ${stats.maxMs.toFixed(0)} ms, raw ${stats.raw}, statuses ${JSON.stringify(stats.statuses)}`);
      assert.ok(stats.cases >= RUNS, `ran ${stats.cases} cases`);
      assert.equal(prototypeSnapshot(), before, 'a prototype changed during the run');
      await t.alive();
    });
  }
}
