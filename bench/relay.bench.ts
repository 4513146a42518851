// The relay runs on every workstation, so it must be light: cold start (spawn → first answer from
// /api/v1/health) and idle RSS of `keyhatch serve` in the relay role, against a bare node:http server
// in plain JS, interleaved in the same run. Target: ≤ 1.3× the bare server on both. Two forms: the
// MSI's CommonJS bundle (what workstations run) and the npm package's bin/keyhatch.js (its ES module
// bundle of the same path, scripts/bundle-relay.ts); each not joined and joined (device certificate
// loaded, first gateway call made).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';
import { summary } from './stats.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 15;

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

/** A joined relay's data directory: device certificate and key from a throwaway CA, and a gateway URL on
 * a port nobody listens on (a workstation booting before its network is up). */
async function joinedDataDir(parent: string): Promise<string> {
  const { createCa, generateKeyPair, importKeyPair, issueCertificate } = await import('../daemon/src/pki/x509.js');
  const { saveIdentity } = await import('../daemon/src/relay/device-identity.js');
  const ca = await createCa('bench device CA', 1);
  const device = await generateKeyPair();
  const { certPem } = await issueCertificate({ ca: { certPem: ca.certPem, keys: await importKeyPair(ca.privateKeyPem, ca.certPem) }, publicKey: device.keys.publicKey, commonName: 'bench-pc', days: 1, usage: 'client' });
  const dir = mkdtempSync(join(parent, 'joined-'));
  await saveIdentity(dir, { deviceId: 'bench-pc', certPem, keyPem: device.privateKeyPem, gatewayChainPem: ca.certPem, urls: [`https://127.0.0.1:${await freePort()}`] });
  return dir;
}

type Sample = { ms: number; cpuMs: number; rssMb: number };

export async function runRelayBench(): Promise<Record<string, unknown>> {
  console.log('\nrelay: cold start and idle RSS of the relay vs a bare node:http server (same run, interleaved)');
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'inherit' });
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/bundle-relay.ts'], { cwd: REPO, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-bench-'));
  // What every Windows workstation runs: the MSI's keyhatch.cjs (the relay's start path; the whole CLI
  // is keyhatch-cli.cjs beside it), started the way the service host starts it, with a compile cache.
  const shipped = join(dir, 'msi', 'keyhatch.cjs');
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/msi/bundle-daemon.ts', shipped, join(dir, 'msi', 'kiosk-ui', 'dist')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  // CommonJS: an ESM import of node:http would also load undici on Node 24 (see net/node-builtins.ts),
  // and the baseline is the cheapest server Node can start.
  const bare = join(dir, 'bare.cjs');
  writeFileSync(bare, "require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{\"status\":\"ok\"}'); }).listen(Number(process.env.PORT), '127.0.0.1');\n");
  const joined = await joinedDataDir(dir);
  const forms: Record<string, { args: string[]; env: Record<string, string> }> = {
    'shipped (MSI keyhatch.cjs)': { args: [shipped, 'serve'], env: { NODE_COMPILE_CACHE: join(dir, 'compile-cache') } },
    'npm (bin/keyhatch.js)': { args: ['bin/keyhatch.js', 'serve'], env: {} },
  };
  const states: Record<string, () => string> = { 'not joined': () => mkdtempSync(join(dir, 'data-')), 'joined, gateway down': () => joined };
  const samples = new Map<string, Sample[]>();
  const raw: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p0 = await freePort();
    raw.push(await measure([bare], { PORT: String(p0) }, `http://127.0.0.1:${p0}/`));
    for (const [form, f] of Object.entries(forms)) {
      for (const [state, dataDir] of Object.entries(states)) {
        const p = await freePort();
        const key = `${form}, ${state}`;
        samples.set(key, [...(samples.get(key) ?? []), await measure(f.args, { ...f.env, KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir(), KEYHATCH_LISTEN: `127.0.0.1:${p}` }, `http://127.0.0.1:${p}/api/v1/health`)]);
      }
    }
  }
  const med = (xs: Sample[], k: keyof Sample) => summary(xs.map((x) => x[k])).p50;
  const base = { ms: med(raw, 'ms'), cpuMs: med(raw, 'cpuMs'), rssMb: med(raw, 'rssMb') };
  console.log(`  Node ${process.version}, medians of ${RUNS}; target ≤ 1.3× the bare server (cold start = spawn → first answer; CPU = all threads until then)`);
  console.log(`  ${'bare node:http server'.padEnd(46)} ${base.ms.toFixed(0).padStart(4)} ms  CPU ${base.cpuMs.toFixed(0).padStart(4)} ms  idle RSS ${base.rssMb.toFixed(1)} MiB`);
  const out: Record<string, unknown> = { runs: RUNS, node: process.version, bare: base };
  for (const [key, xs] of samples) {
    const r = { ms: med(xs, 'ms'), cpuMs: med(xs, 'cpuMs'), rssMb: med(xs, 'rssMb') };
    const ratio = { cold: r.ms / base.ms, cpu: r.cpuMs / base.cpuMs, rss: r.rssMb / base.rssMb };
    console.log(`  ${`relay, ${key}`.padEnd(46)} ${r.ms.toFixed(0).padStart(4)} ms  CPU ${r.cpuMs.toFixed(0).padStart(4)} ms  idle RSS ${r.rssMb.toFixed(1)} MiB  = ${ratio.cold.toFixed(2)}× / ${ratio.cpu.toFixed(2)}× / ${ratio.rss.toFixed(2)}×`);
    out[key] = { ...r, coldRatio: ratio.cold, cpuRatio: ratio.cpu, rssRatio: ratio.rss };
  }
  return out;
}
