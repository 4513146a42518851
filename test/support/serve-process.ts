// `keyhatch serve` as a real child process (from the TypeScript sources), for tests that stop a
// daemon the way an outage does: a real signal, SIGKILL included, with no clean-up in the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli.js';

export interface ServeProcess {
  readonly url: string;
  readonly pid: number;
  /** Sends the signal and resolves once the process has exited (with the signal that ended it). */
  kill(signal: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
}

/**
 * Writes the config and starts `keyhatch --config FILE serve`. Secrets go in `env` (KEYHATCH_*), never
 * in the file: the run's secret scan reads every file a test leaves behind.
 */
export async function startServeProcess(dir: string, config: Record<string, unknown>, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ServeProcess> {
  const file = join(dir, 'serve-config.json');
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test', 'support', 'keyhatch-entry.ts'), '--config', file, 'serve'], {
    cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyhatch serve did not listen within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (c: Buffer) => {
      if (stderr.length > 1_000_000) return; // listening long ago: keep draining the pipe, not the text
      stderr += c.toString();
      const m = /keyhatch: listening on (\S+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1] as string); }
    });
    void exited.then((how) => { clearTimeout(timer); reject(new Error(`keyhatch serve exited (${String(how)}) before listening: ${stderr}`)); });
  });
  return {
    url, pid: child.pid as number,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
