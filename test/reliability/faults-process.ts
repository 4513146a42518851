// A `keyhatch serve` child process that a fault test can stop at an injected point and kill with a
// real signal, then start again over the same data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULT_MARKER, type FaultPoint } from '../../daemon/src/platform/fault-points.js';
import { REPO } from '../support/cli.js';
import { rememberSecret } from '../support/run-dir.js';
import type { SmtpCatcher } from '../support/smtp-catcher.js';

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

/** Start, e-mail challenge through a `keyhatch serve` process; returns the session and the mailed code. */
export async function startRecovery(base: string, smtp: SmtpCatcher, user: { name: string; mail: string }, mailTimeoutMs = 120_000): Promise<{ id: string; factor: string; code: string }> {
  const start = await callApi(base, 'POST', '/api/v1/recovery', { username: user.name });
  if (start.status !== 201) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
  const factor = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email')?.id;
  if (!factor) throw new Error(`no e-mail factor offered: ${JSON.stringify(start.body.factors)}`);
  const before = smtp.messages().length;
  const ch = await callApi(base, 'POST', `/api/v1/recovery/${start.body.recoveryId as string}/challenge`, { factor, contact: user.mail });
  if (ch.status !== 200) throw new Error(`challenge: ${ch.status} ${JSON.stringify(ch.body)}`);
  const { match } = await smtp.waitFor(user.mail, /code is (\d{6})/, mailTimeoutMs, before);
  rememberSecret(match[1] as string);
  return { id: start.body.recoveryId as string, factor, code: match[1] as string };
}

/** Repeats a call while it answers 503 SESSION_BUSY: a killed process's session lease lapses after 30 s. */
export function retryBusy(fn: () => Promise<{ status: number; body: any }>, timeoutMs = 180_000): Promise<{ status: number; body: any }> {
  return until('the session lease of the killed process to lapse', async () => {
    const r = await fn();
    return r.status === 503 && r.body?.error?.code === 'SESSION_BUSY' ? undefined : r;
  }, timeoutMs);
}
