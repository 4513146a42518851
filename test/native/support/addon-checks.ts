// Runs fixtures/addon-checks.ts once per test run in a Windows node.exe under Wine and shares
// the observations between addon.test.ts and addon.security.test.ts.
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildNative, bundleForWindowsNode, installFile, repoRoot, wine, winePrefix, windowsNodeExe, windowsPath } from './wine.js';

export type Outcome = { ok: true; value: any } | { ok: false; error: string; code?: string; name?: string };

export interface AddonChecks {
  results: Record<string, Outcome>;
  /** Wine's stderr, with the eventlog debug channel on. */
  wineTrace: string;
}

/** The per-launch secret addon-checks.ts uses (must match the fixture). */
export const CHECKS_SECRET = 'k1osk-secret-Zq8wT3vN5pL0';

let run: Promise<AddonChecks> | undefined;

export function addonChecks(): Promise<AddonChecks> {
  run ??= (async () => {
    const buildMs = buildNative('addon');
    console.log(`      native build: ${buildMs} ms`);
    const prefix = await winePrefix();
    const addon = installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch_native.node'));
    installFile(prefix, path.join(repoRoot, 'native/addon/build/kiosk-probe.exe'));
    installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch-session-helper.exe'));
    const node = installFile(prefix, windowsNodeExe());
    const bundle = path.join(prefix.driveC, 'keyhatch', 'addon-checks.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/native/fixtures/addon-checks.ts'), bundle);
    const started = Date.now();
    // +eventlog: Wine has no Event Viewer; its ReportEventW traces each message on this channel.
    const result = await wine(prefix, [node, windowsPath(prefix, bundle), 'C:\\keyhatch'], {
      timeoutMs: 120_000,
      env: { KEYHATCH_NATIVE_ADDON: addon, WINEDEBUG: '-all,+eventlog' },
    });
    console.log(`      addon checks under Wine: ${Date.now() - started} ms`);
    assert.equal(result.code, 0, `addon-checks exited ${result.code}:\n${result.stdout}\n${result.stderr.slice(-3000)}`);
    return { results: JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, Outcome>, wineTrace: result.stderr };
  })();
  return run;
}

/** Accessors that fail with the check's own error text. */
export function outcomes(checks: () => AddonChecks) {
  return {
    ok(name: string): any {
      const r = checks().results[name];
      assert.ok(r, `no result for ${name}`);
      assert.ok(r.ok, `${name} failed: ${!r.ok ? `${r.code} ${r.error}` : ''}`);
      return r.value;
    },
    failed(name: string): { error: string; code?: string; name?: string } {
      const r = checks().results[name];
      assert.ok(r, `no result for ${name}`);
      assert.ok(!r.ok, `${name} should have failed but returned ${JSON.stringify(r.ok && r.value)}`);
      return r;
    },
  };
}
