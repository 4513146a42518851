// Test-only fault injection: halts the daemon at a named point of a recovery so a test can kill it
// there with a real SIGKILL and prove what a restart makes of the half-done work.
//
// Armed only when all three hold: NODE_ENV=test, KEYHATCH_FAULT names a point, and the data
// directory holds the marker file FAULT_MARKER. The data directory is the service's own (0700 /
// SYSTEM-only ACL), so whoever can create the marker can already rewrite the store and the
// journal; the environment alone (e.g. a stray variable on a server) cannot steer production.
// An armed point never changes a result: it only stops the process (the worst it can do is what
// a crash does, which the journal is built to survive).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const FAULT_POINTS = ['before-verify', 'after-verify', 'between-reset-steps', 'after-reset'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];
export const FAULT_MARKER = 'FAULT-INJECTION-TEST-ONLY';

let armed: FaultPoint | undefined;

/** Called once by the composition root; returns what it decided, for the log. */
export function armFaultPoints(dataDir: string, env: Record<string, string | undefined> = process.env): { armed?: FaultPoint; ignored?: string } {
  armed = undefined;
  const wanted = env.KEYHATCH_FAULT;
  if (!wanted) return {};
  if (env.NODE_ENV !== 'test' || !existsSync(join(dataDir, FAULT_MARKER))) return { ignored: 'KEYHATCH_FAULT is ignored outside tests (needs NODE_ENV=test and the marker file in the data directory)' };
  if (!(FAULT_POINTS as readonly string[]).includes(wanted)) return { ignored: `KEYHATCH_FAULT=${wanted.slice(0, 40)} is not a fault point` };
  armed = wanted as FaultPoint;
  return { armed };
}

/** Halts forever at an armed point (the test then kills the process); a no-op otherwise. */
export async function faultPoint(point: FaultPoint): Promise<void> {
  if (armed !== point) return;
  process.stderr.write(`keyhatch-fault: reached ${point}\n`);
  await new Promise<never>(() => { /* never settles: the test kills the process here */ });
}
