// A benchmark child process (TypeScript through tsx) that prints one JSON line once it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface BenchChild { proc: ChildProcess; info: Record<string, string> }

/** Starts `script` (relative to bench/) and resolves with the first line it prints, parsed. */
export async function benchChild(script: string, args: string[] = []): Promise<BenchChild> {
  const path = fileURLToPath(new URL(script, new URL('../', import.meta.url)));
  const proc = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Record<string, string>));
    proc.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { proc, info };
}

/** SIGTERM to each child, resolved once all have exited. */
export async function stopChildren(children: readonly BenchChild[]): Promise<void> {
  for (const c of children) c.proc.kill('SIGTERM');
  await Promise.all(children.map(({ proc }) => new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)))));
}
