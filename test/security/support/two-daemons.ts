// Two daemons — this process and a child process — sharing one data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDaemon } from '../../support/daemon.js';

export interface SecondDaemon { url: string; child: ChildProcess; close(): Promise<void> }

export async function startSecondDaemon(first: TestDaemon, launchId: string): Promise<SecondDaemon> {
  const script = fileURLToPath(new URL('./second-daemon.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, KH_CONFIG: JSON.stringify(first.config), KH_KIOSK: first.kioskSecret, KH_LAUNCH_ID: launchId }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`second daemon did not start: ${err}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) { clearTimeout(timer); resolve((JSON.parse(line) as { url: string }).url); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`second daemon exited ${code}: ${err}`)); });
  });
  return {
    url, child,
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Calls one daemon's API as the kiosk would. */
export async function call(base: string, kiosk: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { 'x-keyhatch-kiosk': kiosk, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
