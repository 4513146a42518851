// Runs the real `keyhatch` binary (bin/keyhatch.js → dist, built by the test script).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult { code: number; stdout: string; stderr: string }

export function runKeyhatch(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  const bin = join(REPO, 'bin', 'keyhatch.js');
  if (!['main.js', 'relay-first.bundle.js'].every((f) => existsSync(join(REPO, 'dist', 'daemon', 'src', 'cli', f)))) {
    throw new Error('dist/ is missing: run "npm run build" first (npm test does it)');
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
