// The relay runs on every workstation, so it must be light: cold start (spawn → first answer from
// /api/v1/health) and idle RSS of the compiled `keyhatch serve` in the relay role, against a bare
// node:http server in plain JS, interleaved in the same run. Target: ≤ 1.3× the bare server on both.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summary } from './stats.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 9;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (ms) all threads of `pid` have run so far (/proc/PID/task/TID/schedstat, in ns): unlike the
 * wall clock, not stretched by other processes competing for the cores. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread ended */ }
  }
  return ns / 1e6;
}

async function measure(args: string[], env: Record<string, string>, url: string): Promise<{ ms: number; cpuMs: number; rssMb: number }> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
  for (;;) {
    try { const r = await fetch(url); await r.text(); break; } catch { await new Promise((r) => setTimeout(r, 2)); }
    if (proc.exitCode !== null) throw new Error(`${args.join(' ')} exited ${proc.exitCode}`);
  }
  const ms = performance.now() - t0;
  const cpu = cpuMs(proc.pid as number);
  await new Promise((r) => setTimeout(r, 2000));
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0);
  await new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); });
  return { ms, cpuMs: cpu, rssMb: rssKb / 1024 };
}

export async function runRelayBench(): Promise<Record<string, unknown>> {
  console.log('\nrelay: cold start and idle RSS of the compiled relay vs a bare node:http server (same run, interleaved)');
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-bench-'));
  // CommonJS: an ESM import of node:http would also load undici on Node 24 (see net/node-http.ts),
  // and the baseline is the cheapest server Node can start.
  const bare = join(dir, 'bare.cjs');
  writeFileSync(bare, "require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{\"status\":\"ok\"}'); }).listen(Number(process.env.PORT), '127.0.0.1');\n");
  const relay: Array<{ ms: number; cpuMs: number; rssMb: number }> = [];
  const raw: Array<{ ms: number; cpuMs: number; rssMb: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const p1 = await freePort();
    relay.push(await measure(['bin/keyhatch.js', 'serve'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: mkdtempSync(join(dir, 'data-')), KEYHATCH_LISTEN: `127.0.0.1:${p1}` }, `http://127.0.0.1:${p1}/api/v1/health`));
    const p2 = await freePort();
    raw.push(await measure([bare], { PORT: String(p2) }, `http://127.0.0.1:${p2}/`));
  }
  const rc = summary(relay.map((x) => x.ms)).p50;
  const bc = summary(raw.map((x) => x.ms)).p50;
  const rcpu = summary(relay.map((x) => x.cpuMs)).p50;
  const bcpu = summary(raw.map((x) => x.cpuMs)).p50;
  const rr = summary(relay.map((x) => x.rssMb)).p50;
  const br = summary(raw.map((x) => x.rssMb)).p50;
  console.log(`  cold start (median of ${RUNS}, Node ${process.version}): relay ${rc.toFixed(0)} ms vs bare node:http ${bc.toFixed(0)} ms (${(rc / bc).toFixed(2)}×, target ≤ 1.3×)`);
  console.log(`  CPU time to the first answer (all threads; not stretched by other load): relay ${rcpu.toFixed(0)} ms vs bare ${bcpu.toFixed(0)} ms (${(rcpu / bcpu).toFixed(2)}×)`);
  console.log(`  idle RSS (median of ${RUNS}):  relay ${rr.toFixed(1)} MiB vs bare ${br.toFixed(1)} MiB (${(rr / br).toFixed(2)}×, target ≤ 1.3×)`);
  return { runs: RUNS, relayColdMs: rc, rawColdMs: bc, coldRatio: rc / bc, relayCpuMs: rcpu, rawCpuMs: bcpu, cpuRatio: rcpu / bcpu, relayIdleRssMb: rr, rawIdleRssMb: br, rssRatio: rr / br };
}
