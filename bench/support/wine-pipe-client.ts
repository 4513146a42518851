// The client of bench/wine-launch.bench.ts, run by a Windows node.exe under Wine: sends what the
// credential provider sends on a click (LaunchKiosk) and before it shows its links (Status) to the
// daemon's launch pipe, and the same-sized frame to the bare baseline pipe, interleaved, one
// connection per request as the provider does; prints the round-trip times (ms) as one JSON line.
//   node wine-pipe-client.cjs <rounds> <daemon pipe> <baseline pipe>
import { exchange } from '../../test/installer/fixtures/launch-pipe-probe.js';
import type { LaunchRequest, LaunchResponse } from '../../daemon/src/platform/launch-protocol.js';

const [rounds, daemonPipe, rawPipe] = [Number(process.argv[2]), process.argv[3] as string, process.argv[4] as string];
const status: LaunchRequest = { v: 1, type: 'Status' };
const launch: LaunchRequest = { v: 1, type: 'LaunchKiosk', sessionId: 1, scenario: 'logon', action: 'reset' };

async function time(request: LaunchRequest, path: string): Promise<{ ms: number; answer: LaunchResponse }> {
  const t0 = performance.now();
  const answer = await exchange(request, path);
  return { ms: performance.now() - t0, answer };
}

async function main(): Promise<void> {
  const out = { raw: [] as number[], status: [] as number[], launch: [] as number[], answers: {} as Record<string, LaunchResponse> };
  for (let i = -5; i < rounds; i++) { // 5 warm-up rounds, not recorded
    const r = await time(launch, rawPipe);
    const s = await time(status, daemonPipe);
    const l = await time(launch, daemonPipe);
    if (i < 0) continue;
    out.raw.push(r.ms); out.status.push(s.ms); out.launch.push(l.ms);
    out.answers = { raw: r.answer, status: s.answer, launch: l.answer };
  }
  console.log(JSON.stringify(out));
}

main().catch((err: Error) => { console.log(JSON.stringify({ error: err.message })); process.exitCode = 1; });
