// Recovery endpoints under load (no DC, no SMTP: memory directory, TOTP factor), against a bare
// node:http server doing the same number of round trips, both in child processes, same run.
// Also: daemon cold start and idle RSS against a bare Node process.
import { readFileSync } from 'node:fs';
import * as OTPAuth from 'otpauth';
import { benchSecretFor } from './support/bench-secret.js';
import { summary } from './stats.js';
import { benchChild as child } from './support/child.js';

async function runFlows(concurrency: number, flows: number, flow: (i: number) => Promise<void>): Promise<{ rps: number; flowsPerSec: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  let requests = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < flows) {
      const i = next++;
      const s = performance.now();
      await flow(i);
      latencies.push(performance.now() - s);
      requests += 4;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { rps: requests / secs, flowsPerSec: flows / secs, latencies };
}

export async function runRecoveryApiBench(): Promise<Record<string, unknown>> {
  const USERS = 3000;
  const daemon = await child('./support/recovery-server.ts', [String(USERS)]);
  const raw = await child('./support/raw-server.ts');
  const headers = { 'content-type': 'application/json', 'x-keyhatch-kiosk': daemon.info.kioskSecret as string, 'x-keyhatch-device': 'bench' };
  const post = async (url: string, body: unknown) => { const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }); const j = await r.json() as Record<string, unknown>; if (r.status >= 300) throw new Error(`${url} ${r.status} ${JSON.stringify(j)}`); return j; };
  let user = 0;
  const daemonFlow = async () => {
    const i = user++ % USERS;
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(benchSecretFor(i)) }).generate();
    const s = await post(`${daemon.info.url}/api/v1/recovery`, { username: `u${i}` });
    const id = s.recoveryId as string;
    await post(`${daemon.info.url}/api/v1/recovery/${id}/challenge`, { factor: 'f1' });
    await post(`${daemon.info.url}/api/v1/recovery/${id}/verify`, { factor: 'f1', response: code });
    const st = await fetch(`${daemon.info.url}/api/v1/recovery/${id}`, { headers }); await st.json();
  };
  const rawFlow = async () => { for (let k = 0; k < 4; k++) { const r = await fetch(`${raw.info.url}/x`, { method: 'POST', headers, body: '{"username":"u1"}' }); await r.json(); } };
  const out: Record<string, unknown> = {};
  try {
    console.log('\nRecovery API under load (memory directory, TOTP; flow = start + challenge + verify + status = 4 requests)');
    for (const c of [50, 500]) {
      const flows = c === 50 ? 1000 : 1500;
      await runFlows(c, 100, async () => { await rawFlow(); });
      const r = await runFlows(c, flows, async () => { await rawFlow(); });
      // Each user's TOTP step can be used once; spread users so no flow reuses a step within the run.
      const d = await runFlows(c, Math.min(flows, USERS - user), daemonFlow);
      const ds = summary(d.latencies);
      const rs = summary(r.latencies);
      const ratio = r.rps / d.rps;
      console.log(`  ${String(c).padStart(3)} concurrent: daemon ${d.rps.toFixed(0)} req/s (${d.flowsPerSec.toFixed(0)} flows/s), flow p50 ${ds.p50.toFixed(1)} ms p99 ${ds.p99.toFixed(1)} ms | raw ${r.rps.toFixed(0)} req/s, p50 ${rs.p50.toFixed(1)} ms p99 ${rs.p99.toFixed(1)} ms | raw/daemon throughput ${ratio.toFixed(2)}×`);
      out[`c${c}`] = { daemonRps: d.rps, daemonFlowP50: ds.p50, daemonFlowP99: ds.p99, rawRps: r.rps, rawFlowP50: rs.p50, rawFlowP99: rs.p99, rawOverDaemon: ratio };
    }
  } finally {
    daemon.proc.kill('SIGTERM');
    raw.proc.kill('SIGTERM');
  }
  out.coldStart = await coldStart();
  return out;
}

/** Spawn → first 200 from /api/v1/health, and RSS after 2 s idle; baseline: the bare server. */
async function coldStart(): Promise<Record<string, number>> {
  const measure = async (script: string, args: string[], path: string) => {
    const t0 = performance.now();
    const { proc, info } = await child(script, args);
    for (;;) { try { const r = await fetch(`${info.url}${path}`, { method: path === '/x' ? 'POST' : 'GET' }); await r.text(); break; } catch { await new Promise((r) => setTimeout(r, 5)); } }
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 2000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0);
    proc.kill('SIGTERM');
    return { ms, rssMb: rssKb / 1024 };
  };
  const d = await measure('./support/recovery-server.ts', ['10'], '/api/v1/health');
  const r = await measure('./support/raw-server.ts', [], '/x');
  console.log(`  cold start to first answer: daemon ${d.ms.toFixed(0)} ms vs bare node:http ${r.ms.toFixed(0)} ms (${(d.ms / r.ms).toFixed(2)}×); idle RSS daemon ${d.rssMb.toFixed(1)} MiB vs bare ${r.rssMb.toFixed(1)} MiB (${(d.rssMb / r.rssMb).toFixed(2)}×)`);
  console.log('  (both start through tsx; the daemon transpiles and loads far more modules, so this overstates what the compiled service pays)');
  return { daemonColdMs: d.ms, rawColdMs: r.ms, daemonIdleRssMb: d.rssMb, rawIdleRssMb: r.rssMb };
}
