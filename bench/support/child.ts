// A benchmark child process (TypeScript through tsx) that prints one JSON line once it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface BenchChild { proc: ChildProcess; info: Record<string, string> }

export interface BenchChildOptions {
  /** Node flags before the script (e.g. --expose-gc). */
  readonly nodeFlags?: readonly string[];
  readonly env?: Record<string, string>;
  /** Every later line the child prints, parsed (the first one is `info`). */
  readonly onLine?: (line: Record<string, unknown>) => void;
}

/** Starts `script` (relative to bench/) and resolves with the first line it prints, parsed. */
export async function benchChild(script: string, args: string[] = [], o: BenchChildOptions = {}): Promise<BenchChild> {
  const path = fileURLToPath(new URL(script, new URL('../', import.meta.url)));
  const proc = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...o.env } });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    let first = true;
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (first) { first = false; resolve(JSON.parse(l) as Record<string, string>); return; }
      o.onLine?.(JSON.parse(l) as Record<string, unknown>);
    });
    proc.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { proc, info };
}

/** SIGTERM to each child, resolved once all have exited. */
export async function stopChildren(children: readonly BenchChild[]): Promise<void> {
  for (const c of children) c.proc.kill('SIGTERM');
  await Promise.all(children.map(({ proc }) => new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)))));
}
