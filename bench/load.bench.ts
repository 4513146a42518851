// Load through relay → gateway (mutual TLS), gateway on SQLite and on PostgreSQL: a burst of 500
// concurrent recovery flows, then a soak at a steady rate. Reported: errors, flow p99, and the
// gateway process's RSS band, open file descriptors and sockets (/proc/PID), sampled every 5 s.
// Knobs: KEYHATCH_BENCH_SOAK_SECONDS (default 60; the issue's figure is 600),
// KEYHATCH_BENCH_SOAK_RATE (flows per second, default 20), KEYHATCH_BENCH_BURST_FLOWS (default 2000),
// KEYHATCH_BENCH_USERS (default 12000; must exceed the flows run within one 30 s TOTP step).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as OTPAuth from 'otpauth';
import { benchSecretFor } from './support/bench-secret.js';
import { summary } from './stats.js';
import { PostgresServer } from '../test/support/postgres.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const USERS = Number(process.env.KEYHATCH_BENCH_USERS ?? 12_000);
const SOAK_SECONDS = Number(process.env.KEYHATCH_BENCH_SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.KEYHATCH_BENCH_SOAK_RATE ?? 20);
const BURST_FLOWS = Number(process.env.KEYHATCH_BENCH_BURST_FLOWS ?? 2000);

async function child(script: string, args: string[]): Promise<{ proc: ChildProcess; info: Record<string, string> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Record<string, string>));
    proc.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { proc, info };
}

interface Sample { rssMb: number; fds: number; sockets: number }
function sample(pid: number): Sample {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) { try { if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++; } catch { /* closed meanwhile */ } }
  return { rssMb: rssKb / 1024, fds: fds.length, sockets };
}
const band = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });

async function runStore(label: string, databaseUrl?: string): Promise<Record<string, unknown>> {
  const gw = await child('./support/load-gateway.ts', [String(USERS), ...(databaseUrl ? [databaseUrl] : [])]);
  const relay = await child('./support/load-relay.ts', [gw.info.url as string, gw.info.pin as string, gw.info.token as string]);
  const base = relay.info.url as string;
  const headers = { 'content-type': 'application/json', 'x-keyhatch-kiosk': relay.info.kioskSecret as string };
  let user = 0;
  const errors = new Map<string, number>();
  const flow = async (): Promise<number> => {
    const i = user++ % USERS; // each user's TOTP step is used once: USERS ≫ flows per 30 s
    const t0 = performance.now();
    try {
      const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(benchSecretFor(i)) }).generate();
      const call = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
        const j = await r.json() as { error?: { code?: string }; recoveryId?: string; verified?: boolean };
        if (r.status >= 300) throw new Error(`${r.status} ${j.error?.code ?? ''}`);
        return j;
      };
      const s = await call('POST', '/api/v1/recovery', { username: `u${i}` });
      await call('POST', `/api/v1/recovery/${s.recoveryId as string}/challenge`, { factor: 'f1' });
      await call('POST', `/api/v1/recovery/${s.recoveryId as string}/verify`, { factor: 'f1', response: code });
      const st = await call('GET', `/api/v1/recovery/${s.recoveryId as string}`);
      if (st.verified !== true) throw new Error('not verified');
    } catch (err) {
      const key = (err as Error).message.slice(0, 60);
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
    return performance.now() - t0;
  };
  const pid = gw.proc.pid as number;
  try {
    // Burst: 500 flows in flight at once.
    const burstLat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 500 }, async () => { while (next++ < BURST_FLOWS) burstLat.push(await flow()); }));
    const burstSecs = (performance.now() - t0) / 1000;
    const burst = summary(burstLat);
    const burstErrors = [...errors.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${label} burst: ${BURST_FLOWS} flows at 500 concurrent in ${burstSecs.toFixed(1)} s (${(BURST_FLOWS / burstSecs).toFixed(0)} flows/s), flow p50 ${burst.p50.toFixed(0)} ms p99 ${burst.p99.toFixed(0)} ms, errors ${burstErrors}`);
    errors.clear();

    // Soak: a steady rate; samples every 5 s after a 10 s settle.
    const soakLat: number[] = [];
    const samples: Sample[] = [];
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    let launched = 0;
    let lastSample = start;
    const first = sample(pid);
    while (performance.now() - start < SOAK_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * SOAK_RATE);
      while (launched < due) {
        launched++;
        const p: Promise<void> = flow().then((ms) => { soakLat.push(ms); inFlight.delete(p); });
        inFlight.add(p);
      }
      if (performance.now() - lastSample >= 5_000) { lastSample = performance.now(); if (performance.now() - start > 10_000) samples.push(sample(pid)); }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([...inFlight]);
    samples.push(sample(pid));
    const soak = summary(soakLat);
    const soakErrors = [...errors.values()].reduce((a, b) => a + b, 0);
    const rss = band(samples.map((s) => s.rssMb));
    const fds = band(samples.map((s) => s.fds));
    const socks = band(samples.map((s) => s.sockets));
    console.log(`  ${label} soak: ${launched} flows over ${SOAK_SECONDS} s at ${SOAK_RATE}/s, flow p50 ${soak.p50.toFixed(0)} ms p99 ${soak.p99.toFixed(0)} ms, errors ${soakErrors}${errors.size ? ` (${[...errors.entries()].map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}`);
    console.log(`  ${label} gateway: RSS ${rss.min.toFixed(0)}–${rss.max.toFixed(0)} MiB (after burst ${first.rssMb.toFixed(0)}), fds ${fds.min}–${fds.max}, sockets ${socks.min}–${socks.max} over ${samples.length} samples`);
    return {
      burst: { flows: BURST_FLOWS, concurrency: 500, seconds: burstSecs, p50: burst.p50, p99: burst.p99, errors: burstErrors },
      soak: { seconds: SOAK_SECONDS, rate: SOAK_RATE, flows: launched, p50: soak.p50, p99: soak.p99, errors: soakErrors, rssMb: rss, fds, sockets: socks, samples: samples.length },
    };
  } finally {
    relay.proc.kill('SIGTERM');
    gw.proc.kill('SIGTERM');
    await Promise.all([relay.proc, gw.proc].map((p) => new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)))));
  }
}

export async function runLoadBench(): Promise<Record<string, unknown>> {
  console.log(`\nload: relay → gateway (mutual TLS), memory directory, TOTP; flow = start + challenge + verify + status`);
  const out: Record<string, unknown> = { sqlite: await runStore('SQLite    ') };
  const pg = await PostgresServer.start();
  try {
    out.postgres = await runStore('PostgreSQL', await pg.createDatabase());
  } finally { await pg.stop(); }
  return out;
}
