// A `keyhatch serve` child process that a fault test can stop at an injected point and kill with a
// real signal, then start again over the same data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULT_MARKER, type FaultPoint } from '../../daemon/src/platform/fault-points.js';
import { REPO } from '../support/cli.js';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the daemon has stopped at its armed fault point. */
  readonly faultReached: Promise<FaultPoint>;
  stderr(): string;
  /** Sends the signal and waits for the exit; returns the signal the process died of. */
  kill(signal?: NodeJS.Signals): Promise<NodeJS.Signals | null>;
}

/** Writes the config and the test-only marker that lets KEYHATCH_FAULT arm in this data directory. */
export function writeFaultConfig(dataDir: string, config: Record<string, unknown>): string {
  writeFileSync(join(dataDir, FAULT_MARKER), 'fault injection allowed in this throwaway data directory\n');
  const file = join(dataDir, 'config.json');
  writeFileSync(file, JSON.stringify({ dataDir, ...config }), { mode: 0o600 });
  return file;
}

/** Secrets go in through the environment, as a service gets them, never into a file under the run dir. */
export async function startServe(configFile: string, opts: { fault?: FaultPoint; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const script = fileURLToPath(new URL('./faults-serve-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--config', configFile, 'serve'], {
    cwd: REPO,
    env: { ...process.env, NODE_ENV: 'test', ...(opts.fault ? { KEYHATCH_FAULT: opts.fault } : { KEYHATCH_FAULT: '' }), ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let onFault: (p: FaultPoint) => void = () => undefined;
  const faultReached = new Promise<FaultPoint>((resolve) => { onFault = resolve; });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyhatch serve did not start within 120 s: ${err}`)), 120_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const listening = /keyhatch: listening on (\S+)/.exec(err);
      if (listening) { clearTimeout(timer); resolve(listening[1] as string); }
      const fault = /keyhatch-fault: reached (\S+)/.exec(err);
      if (fault) onFault(fault[1] as FaultPoint);
    });
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`keyhatch serve exited (${code ?? signal}): ${err}`)); });
  });
  return {
    url, child, faultReached,
    stderr: () => err,
    kill: (signal = 'SIGKILL') => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.signalCode);
      child.once('exit', (_code, sig) => resolve(sig));
      child.kill(signal);
    }),
  };
}

/** JSON lines of the audit log in a data directory (default log location). */
export function auditEvents(dataDir: string): Array<Record<string, any>> {
  let text: string;
  try { text = readFileSync(join(dataDir, 'logs', 'audit.log'), 'utf8'); } catch { return []; }
  return text.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function callApi(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}
