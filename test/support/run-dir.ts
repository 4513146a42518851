// Everything a test run writes (data dirs, logs, screenshots) lives under one directory, and every
// secret a test uses is remembered, so the run can end by proving no log contains any of them.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Mocha loads some spec files through require() and others through import(), so this module can
// exist twice in one run; the state lives on globalThis so both copies share it.
interface RunState { root: string | undefined; secrets: Set<string> }
const KEY = Symbol.for('keyhatch.test.run-state');
const state: RunState = ((globalThis as Record<symbol, unknown>)[KEY] ??= { root: undefined, secrets: new Set<string>() }) as RunState;
const secrets = state.secrets;

export function runDir(): string {
  state.root ??= process.env.KEYHATCH_TEST_RUN_DIR ?? mkdtempSync(join(tmpdir(), 'keyhatch-run-'));
  mkdirSync(state.root, { recursive: true });
  return state.root;
}

/** A fresh directory under the run dir. */
export function freshDir(prefix: string): string {
  return mkdtempSync(join(runDir(), `${prefix}-`));
}

export function rememberSecret(...values: string[]): void {
  for (const v of values) if (v.length >= 4) secrets.add(v);
}

export function rememberedSecrets(): string[] { return [...secrets]; }

function* files(dir: string): Generator<string> {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) yield* files(p);
    else if (/\.log(\.\d+)?$|\.jsonl?$|\.txt$/.test(n)) yield p;
  }
}

/** Every log-like file under `dir` that contains any of `values` (also UTF-16LE and base64 forms). */
export function filesContainingSecrets(dir: string, values: readonly string[]): Array<{ file: string; secret: string }> {
  const hits: Array<{ file: string; secret: string }> = [];
  const forms = values.flatMap((v) => [v, Buffer.from(v, 'utf16le').toString('latin1'), Buffer.from(v).toString('base64')].map((f) => ({ f, v })));
  for (const file of files(dir)) {
    const text = readFileSync(file).toString('latin1');
    for (const { f, v } of forms) if (text.includes(f)) hits.push({ file, secret: `${v.slice(0, 2)}…(${v.length} chars)` });
  }
  return hits;
}
