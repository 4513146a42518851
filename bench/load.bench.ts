// Load through relays → gateway (mutual TLS), gateway on SQLite and on PostgreSQL:
// 1. latency: the same recovery flow through a relay and directly against the gateway (the same
//    mutual-TLS client the relay uses, in this process), interleaved one at a time (target: relay p50
//    ≤ 1.15× direct);
// 2. throughput: bursts with 50 and 500 flows in flight at once, spread over RELAYS workstation relays
//    (each relay keeps at most 16 sockets to the gateway, so the rest wait in the relays' queues);
// 3. soak at a steady rate: errors, flow p99, and the gateway process's RSS band, open file
//    descriptors and sockets (/proc/PID), sampled every 5 s.
// Knobs: KEYHATCH_BENCH_SOAK_SECONDS (default 60; the issue's figure is 600),
// KEYHATCH_BENCH_SOAK_RATE (flows per second, default 20), KEYHATCH_BENCH_BURST_FLOWS (per level,
// default 2000), KEYHATCH_BENCH_LATENCY_FLOWS (default 200), KEYHATCH_BENCH_RELAYS (default 4),
// KEYHATCH_BENCH_USERS (default 12000; must exceed the flows run within one 30 s TOTP step).
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { benchSecretFor } from './support/bench-secret.js';
import { summary } from './stats.js';
import { PostgresServer } from '../test/support/postgres.js';
import { joinGateway } from '../daemon/src/relay/join.js';
import { GatewayClient } from '../daemon/src/relay/gateway-client.js';
import { benchChild as child, stopChildren } from './support/child.js';
import { direct, viaRelay, type Call } from './support/flow-calls.js';

const USERS = Number(process.env.KEYHATCH_BENCH_USERS ?? 12_000);
const SOAK_SECONDS = Number(process.env.KEYHATCH_BENCH_SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.KEYHATCH_BENCH_SOAK_RATE ?? 20);
const BURST_FLOWS = Number(process.env.KEYHATCH_BENCH_BURST_FLOWS ?? 2000);
const LATENCY_FLOWS = Number(process.env.KEYHATCH_BENCH_LATENCY_FLOWS ?? 200);
const RELAYS = Number(process.env.KEYHATCH_BENCH_RELAYS ?? 4);

interface Sample { rssMb: number; heapMb: number; fds: number; sockets: number }
function sample(pid: number, heapMb: number): Sample {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) { try { if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++; } catch { /* closed meanwhile */ } }
  return { rssMb: rssKb / 1024, heapMb, fds: fds.length, sockets };
}
const band = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });
/** Least-squares slope of ys per sample (sampled every 5 s), as units per minute. */
function perMinute(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => { num += (x - mx) * (y - my); den += (x - mx) ** 2; });
  return (num / den) * 12;
}

async function runStore(label: string, databaseUrl?: string): Promise<Record<string, unknown>> {
  let heapMb = 0; // the gateway's JS heap after its last full collection (load-gateway.ts)
  const gw = await child('./support/load-gateway.ts', [String(USERS), ...(databaseUrl ? [databaseUrl] : [])],
    { nodeFlags: ['--expose-gc'], env: { KEYHATCH_BENCH_HEAP_MS: '5000' }, onLine: (l) => { if (typeof l.heapMb === 'number') heapMb = l.heapMb; } });
  const { url, pin, token } = gw.info as { url: string; pin: string; token: string };
  const relays = await Promise.all(Array.from({ length: RELAYS }, () => child('./support/load-relay.ts', [url, pin, token])));
  const relayCalls = relays.map((r) => viaRelay(r.info.url as string, r.info.kioskSecret as string));
  const identity = await joinGateway({ url, token, pin, dataDir: mkdtempSync(join(tmpdir(), 'keyhatch-bench-direct-')), name: 'bench-direct' });
  const client = new GatewayClient({ identity, urls: [url], pin });
  const directCall = direct(client);

  let user = 0;
  const errors = new Map<string, number>();
  const flow = async (call: Call): Promise<number> => {
    const i = user++ % USERS; // each user's TOTP step is used once: USERS ≫ flows per 30 s
    const t0 = performance.now();
    try {
      const ok = async (method: string, path: string, body?: unknown) => {
        const r = await call(method, path, body);
        if (r.status >= 300) throw new Error(`${r.status} ${(r.json.error as { code?: string } | undefined)?.code ?? ''}`);
        return r.json;
      };
      const s = await ok('POST', '/api/v1/recovery', { username: `u${i}` });
      await ok('POST', `/api/v1/recovery/${s.recoveryId as string}/challenge`, { factor: 'f1' });
      // The code as the user reads it off the app: when they type it, however long the flow queued.
      const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(benchSecretFor(i)) }).generate();
      await ok('POST', `/api/v1/recovery/${s.recoveryId as string}/verify`, { factor: 'f1', response: code });
      const st = await ok('GET', `/api/v1/recovery/${s.recoveryId as string}`);
      if (st.verified !== true) throw new Error('not verified');
    } catch (err) {
      const key = (err as Error).message.slice(0, 60);
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
    return performance.now() - t0;
  };
  const takeErrors = (): { count: number; kinds: string } => {
    const count = [...errors.values()].reduce((a, b) => a + b, 0);
    const kinds = [...errors.entries()].map(([k, v]) => `${k}: ${v}`).join('; ');
    errors.clear();
    return { count, kinds };
  };
  const pid = gw.proc.pid as number;
  try {
    // Latency, one flow at a time, relay and direct interleaved so both see the same machine.
    const viaRelayMs: number[] = [];
    const directMs: number[] = [];
    for (let k = 0; k < 10; k++) { await flow(relayCalls[0] as Call); await flow(directCall); } // warm both paths
    for (let k = 0; k < LATENCY_FLOWS; k++) {
      if (k % 2 === 0) { viaRelayMs.push(await flow(relayCalls[0] as Call)); directMs.push(await flow(directCall)); }
      else { directMs.push(await flow(directCall)); viaRelayMs.push(await flow(relayCalls[0] as Call)); }
    }
    const lr = summary(viaRelayMs);
    const ld = summary(directMs);
    const latencyErrors = takeErrors();
    console.log(`  ${label} one flow at a time (${LATENCY_FLOWS} each, interleaved): relay→gateway p50 ${lr.p50.toFixed(1)} ms vs direct ${ld.p50.toFixed(1)} ms (${(lr.p50 / ld.p50).toFixed(2)}×, target ≤ 1.15×), errors ${latencyErrors.count}`);

    // Throughput: a fixed number of flows with 50, then 500, in flight at once over the relays.
    const bursts: Record<string, unknown> = {};
    for (const concurrency of [50, 500]) {
      const lat: number[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
        while (next++ < BURST_FLOWS) lat.push(await flow(relayCalls[w % RELAYS] as Call));
      }));
      const secs = (performance.now() - t0) / 1000;
      const b = summary(lat);
      const e = takeErrors();
      console.log(`  ${label} ${String(concurrency).padStart(3)} in flight: ${BURST_FLOWS} flows in ${secs.toFixed(1)} s (${(BURST_FLOWS / secs).toFixed(0)} flows/s), flow p50 ${b.p50.toFixed(0)} ms p99 ${b.p99.toFixed(0)} ms, errors ${e.count}${e.kinds ? ` (${e.kinds})` : ''}`);
      bursts[`c${concurrency}`] = { flows: BURST_FLOWS, concurrency, seconds: secs, flowsPerSecond: BURST_FLOWS / secs, p50: b.p50, p99: b.p99, errors: e.count };
    }

    // Soak: a steady rate; samples every 5 s after a 10 s settle.
    const soakLat: number[] = [];
    const samples: Sample[] = [];
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    let launched = 0;
    let lastSample = start;
    const first = sample(pid, heapMb);
    while (performance.now() - start < SOAK_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * SOAK_RATE);
      while (launched < due) {
        const call = relayCalls[launched++ % RELAYS] as Call;
        const p: Promise<void> = flow(call).then((ms) => { soakLat.push(ms); inFlight.delete(p); });
        inFlight.add(p);
      }
      if (performance.now() - lastSample >= 5_000) { lastSample = performance.now(); if (performance.now() - start > 10_000) samples.push(sample(pid, heapMb)); }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([...inFlight]);
    samples.push(sample(pid, heapMb));
    const soak = summary(soakLat);
    const soakErrors = takeErrors();
    const rss = band(samples.map((x) => x.rssMb));
    // The bursts leave the heap large and GC gives it back during the first minutes; growth would
    // show in the second half, so its band and trend are reported apart.
    const late = samples.slice(Math.floor(samples.length / 2));
    const lateRss = band(late.map((x) => x.rssMb));
    const lateHeap = band(late.map((x) => x.heapMb));
    const trend = { heapMbPerMin: perMinute(late.map((x) => x.heapMb)), rssMbPerMin: perMinute(late.map((x) => x.rssMb)), fdsPerMin: perMinute(late.map((x) => x.fds)), socketsPerMin: perMinute(late.map((x) => x.sockets)) };
    const fds = band(samples.map((x) => x.fds));
    const socks = band(samples.map((x) => x.sockets));
    console.log(`  ${label} soak: ${launched} flows over ${SOAK_SECONDS} s at ${SOAK_RATE}/s, flow p50 ${soak.p50.toFixed(0)} ms p99 ${soak.p99.toFixed(0)} ms, errors ${soakErrors.count}${soakErrors.kinds ? ` (${soakErrors.kinds})` : ''}`);
    console.log(`  ${label} gateway: RSS ${rss.min.toFixed(0)}–${rss.max.toFixed(0)} MiB (after bursts ${first.rssMb.toFixed(0)}), fds ${fds.min}–${fds.max}, sockets ${socks.min}–${socks.max} over ${samples.length} samples; second half: JS heap after GC ${lateHeap.min.toFixed(1)}–${lateHeap.max.toFixed(1)} MiB (trend ${trend.heapMbPerMin.toFixed(2)} MiB/min), RSS ${lateRss.min.toFixed(0)}–${lateRss.max.toFixed(0)} MiB (trend ${trend.rssMbPerMin.toFixed(2)} MiB/min), fds ${trend.fdsPerMin.toFixed(2)}/min, sockets ${trend.socketsPerMin.toFixed(2)}/min`);
    return {
      latency: { flows: LATENCY_FLOWS, relayP50: lr.p50, directP50: ld.p50, ratio: lr.p50 / ld.p50, relayP99: lr.p99, directP99: ld.p99, errors: latencyErrors.count },
      bursts,
      soak: { seconds: SOAK_SECONDS, rate: SOAK_RATE, flows: launched, p50: soak.p50, p99: soak.p99, errors: soakErrors.count, rssMb: rss, lateRssMb: lateRss, lateHeapMb: lateHeap, lateTrend: trend, fds, sockets: socks, samples: samples.length },
    };
  } finally {
    client.close();
    await stopChildren([...relays, gw]);
  }
}

export async function runLoadBench(): Promise<Record<string, unknown>> {
  console.log(`\nload: ${RELAYS} relays → gateway (mutual TLS), memory directory, TOTP; flow = start + challenge + verify + status`);
  const out: Record<string, unknown> = { sqlite: await runStore('SQLite    ') };
  const pg = await PostgresServer.start();
  try {
    out.postgres = await runStore('PostgreSQL', await pg.createDatabase());
  } finally { await pg.stop(); }
  return out;
}
