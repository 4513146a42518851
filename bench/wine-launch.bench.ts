// Issue 11: the click → kiosk-launch path as far as Wine can show it. The credential provider
// sends LaunchKiosk (and, before it shows its links, Status) on \\.\pipe\Keyhatch.Launch; this
// times the round trip to the real daemon — the MSI's bundle in the relay role under a Windows
// node.exe, with the native addon, as the service runs it — against a bare named-pipe server
// (bench/support/wine-raw-pipe.ts) in the same Wine prefix, interleaved in one client process.
// Absolute times under Wine do not travel; the ratio does.
//
// What the LaunchKiosk figure covers under Wine: pipe, framing, request validation, the WTS session
// look-up (Wine lists no sessions, so the daemon refuses the launch there — BAD_SESSION, audited)
// and the answer. The process start itself (kiosk account logon, desktop grant, CreateProcessAsUser)
// needs Windows, so it is not in this figure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildNative, bundleForWindowsNode, installFile, repoRoot, waitForFile, wine, wineBackground, winePrefix, windowsNodeExe, windowsPath } from '../test/native/support/wine.js';
import { freePort } from '../test/support/free-port.js';
import { summary } from './stats.js';

const ROUNDS = Number(process.env.BENCH_WINE_LAUNCH_ROUNDS ?? 200);
const RAW_PIPE = '\\\\.\\pipe\\Keyhatch.BenchRaw';
const LAUNCH_PIPE = '\\\\.\\pipe\\Keyhatch.Launch';

interface ClientOut { raw: number[]; status: number[]; launch: number[]; answers: Record<string, unknown>; error?: string }

export async function runWineLaunchBench(): Promise<Record<string, unknown>> {
  console.log('\nwine-launch: credential provider → daemon launch pipe round trip under Wine vs a bare named pipe (same prefix, interleaved)');
  buildNative('addon');
  const prefix = await winePrefix();
  const dir = path.join(prefix.driveC, 'keyhatch');
  fs.mkdirSync(dir, { recursive: true });
  // The daemon exactly as the MSI ships it (scripts/build-msi.sh), pages included.
  const bundled = spawnSync('npx', ['tsx', 'scripts/msi/bundle-daemon.ts', path.join(dir, 'keyhatch.cjs'), path.join(dir, 'kiosk-ui', 'dist')], { cwd: repoRoot, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`bundle-daemon failed:\n${bundled.stdout}\n${bundled.stderr}`);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"keyhatch","private":true}\n');
  await bundleForWindowsNode(path.join(repoRoot, 'bench/support/wine-raw-pipe.ts'), path.join(dir, 'wine-raw-pipe.cjs'));
  await bundleForWindowsNode(path.join(repoRoot, 'bench/support/wine-pipe-client.ts'), path.join(dir, 'wine-pipe-client.cjs'));
  const node = installFile(prefix, windowsNodeExe());
  const addon = installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch_native.node'));

  const port = await freePort();
  const daemon = wineBackground(prefix, [node, windowsPath(prefix, path.join(dir, 'keyhatch.cjs')), 'serve'], {
    KEYHATCH_ROLE: 'relay', KEYHATCH_NATIVE_ADDON: addon, KEYHATCH_LISTEN: `127.0.0.1:${port}`, KEYHATCH_DATA_DIR: 'C:\\keyhatch\\data',
  });
  const raw = wineBackground(prefix, [node, windowsPath(prefix, path.join(dir, 'wine-raw-pipe.cjs')), RAW_PIPE]);
  try {
    await waitForFile(daemon.stderrFile, (t) => /listening on http/.test(t), 180_000);
    await waitForFile(raw.stdoutFile, (t) => t.includes('listening'), 180_000);
    const r = await wine(prefix, [node, windowsPath(prefix, path.join(dir, 'wine-pipe-client.cjs')), String(ROUNDS), LAUNCH_PIPE, RAW_PIPE], { timeoutMs: 900_000 });
    const out = JSON.parse(r.stdout.trim().split(/\r?\n/).pop() ?? '{}') as ClientOut;
    if (out.error || !out.launch) throw new Error(`pipe client failed: ${out.error ?? r.stdout}${r.stderr}`);
    const [b, s, l] = [summary(out.raw), summary(out.status), summary(out.launch)];
    console.log(`  bare named pipe round trip (median of ${b.n}): ${b.p50.toFixed(2)} ms (p99 ${b.p99.toFixed(2)})`);
    console.log(`  Status (the provider's availability check): ${s.p50.toFixed(2)} ms (p99 ${s.p99.toFixed(2)}) — ${(s.p50 / b.p50).toFixed(2)}× the bare pipe`);
    console.log(`  LaunchKiosk answered (click → daemon's launch decision): ${l.p50.toFixed(2)} ms (p99 ${l.p99.toFixed(2)}) — ${(l.p50 / b.p50).toFixed(2)}× the bare pipe`);
    console.log(`  answers: Status ${JSON.stringify(out.answers.status)}, LaunchKiosk ${JSON.stringify(out.answers.launch)} (Wine lists no WTS session: refused before the process start)`);
    return {
      rounds: b.n, rawPipeP50Ms: b.p50, rawPipeP99Ms: b.p99, statusP50Ms: s.p50, statusP99Ms: s.p99, launchP50Ms: l.p50, launchP99Ms: l.p99,
      statusRatio: s.p50 / b.p50, launchRatio: l.p50 / b.p50, answers: out.answers,
    };
  } finally {
    daemon.child.kill();
    raw.child.kill();
  }
}
