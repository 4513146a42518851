// Secrets at rest on Windows (issue 9), under Wine in a Windows node.exe, through the daemon's own
// secret-store module: DPAPI machine scope bound to per-install entropy, and the data directory's
// DACL set by the service at start. fixtures/secret-store-checks.ts makes the calls; this file
// judges them, and shows what Wine makes of the data directory's DACL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildNative, bundleForWindowsNode, installFile, repoRoot, wine, winePrefix, windowsNodeExe, windowsPath, type WinePrefix } from './support/wine.js';
import { parseDacl } from '../../daemon/src/directory/ad/security-descriptor.js';

type Outcome = { ok: true; value: any } | { ok: false; error: string; code?: string };

/** Wine stores a file's security descriptor as the xattr user.wine.sd: one version byte, then the self-relative SD. */
function wineStoredDacl(dir: string): Array<{ type: number; flags: number; mask: number; sid: string }> | string {
  const py = spawnSync('python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], "user.wine.sd").hex())', dir], { encoding: 'utf8' });
  if (py.status !== 0) return `no user.wine.sd: ${py.stderr.trim().split('\n').pop()}`;
  const sd = Buffer.from(py.stdout, 'hex');
  return parseDacl(sd.subarray(1)).map(({ type, flags, mask, sid }) => ({ type, flags, mask, sid }));
}

describe('secret store: DPAPI with per-install entropy and the data-dir DACL, under Wine', function () {
  this.timeout(300_000);
  let prefix: WinePrefix;
  let work: string;
  let results: Record<string, Outcome>;
  const failedOf = (name: string) => {
    const r = results[name];
    assert.ok(r && !r.ok, `${name} should have failed`);
    return { code: r.code, error: r.error };
  };
  const ok = (name: string): any => {
    const r = results[name];
    assert.ok(r, `no result for ${name}`);
    assert.ok(r.ok, `${name} failed: ${!r.ok ? `${r.code} ${r.error}` : ''}`);
    return r.value;
  };

  before(async function () {
    this.timeout(1_800_000); // a cold run builds the addon, fetches node.exe and boots a prefix on a shared 2-core machine
    buildNative('addon');
    prefix = await winePrefix();
    const addon = installFile(prefix, path.join(repoRoot, 'native/addon/build/keyhatch_native.node'));
    const node = installFile(prefix, windowsNodeExe());
    const bundle = path.join(prefix.driveC, 'keyhatch', 'secret-store-checks.cjs');
    await bundleForWindowsNode(path.join(repoRoot, 'test/native/fixtures/secret-store-checks.ts'), bundle);
    work = path.join(prefix.driveC, 'keyhatch', `ss-${process.pid}`);
    fs.mkdirSync(work, { recursive: true });
    const r = await wine(prefix, [node, windowsPath(prefix, bundle), windowsPath(prefix, work)], { timeoutMs: 180_000, env: { KEYHATCH_NATIVE_ADDON: addon } });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    assert.equal(r.code, 0, `secret-store-checks exited ${r.code}:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    results = JSON.parse(last) as Record<string, Outcome>;
    console.log(`      ${JSON.stringify(results)}`);
  });

  it('the service path (platformSecretStore) stores a DPAPI blob and reads it back; no plaintext on disk', () => {
    assert.deepEqual(ok('platformStore'), { kind: 'dpapi', back: 'Dir3ctory-bind-pass!', files: ['ad-bind-password.dpapi', 'entropy.dpapi'] });
    assert.equal(ok('blobWithoutEntropy').plainOnDisk, false);
  });

  it('the blob opens only with the install\'s entropy: not without, not with the old constant or another value', () => {
    assert.deepEqual(ok('blobWithoutEntropy'), {
      plainOnDisk: false, none: 'ERROR_INVALID_DATA', legacyConstant: 'ERROR_INVALID_DATA', otherEntropy: 'ERROR_INVALID_DATA',
      installEntropy: 'Dir3ctory-bind-pass!',
    });
  });

  it('the entropy is 32 random bytes per install, itself kept as a DPAPI blob; another install cannot open the blob', () => {
    const e = ok('entropyFile');
    assert.equal(e.entropyBytes, 32);
    assert.equal(e.plainOnDisk, false);
    assert.ok(e.fileBytes > 32 + 100, `entropy file ${e.fileBytes} bytes: a DPAPI blob, not the raw value`);
    assert.deepEqual(ok('otherInstall'), { sameEntropyFile: false, stolen: 'ERROR_INVALID_DATA' });
  });

  it('a blob sealed with the pre-v2 constant opens once and is re-sealed with the install entropy', () => {
    assert.deepEqual(ok('legacyMigration'), { back: 'from v1', legacyAfter: 'ERROR_INVALID_DATA', again: 'from v1' });
  });

  // Wine 8 (Debian 12) accepts SetNamedSecurityInfoW but keeps no descriptor: this build stores no
  // user.wine.sd attribute, cacls/icacls print nothing, and the DACL only turns into Unix mode bits
  // (wineserver's sd_to_mode): 775 instead of mkdir's 755, "other" still r-x. So under Wine the test
  // proves the service path makes the call on the data directory and that a failure surfaces; the
  // resulting DACL itself is a Windows check (docs/native.md, "icacls %ProgramData%\Keyhatch").
  it('the service sets the data directory\'s DACL at start (Wine shows it only as changed mode bits) and a failure surfaces', async () => {
    const mode = (rel: string) => (fs.statSync(path.join(work, rel)).mode & 0o777).toString(8);
    const modes = Object.fromEntries(['install-a', 'install-b', 'install-a/secrets', 'control', 'control/secrets'].map((r) => [r, mode(r)]));
    const dir = path.join(work, 'install-a');
    const shown = await wine(prefix, ['cacls', windowsPath(prefix, dir)]);
    const icacls = await wine(prefix, ['icacls', windowsPath(prefix, dir)]);
    console.log(`      unix modes: ${JSON.stringify(modes)}; user.wine.sd: ${JSON.stringify(wineStoredDacl(dir))}; cacls: ${JSON.stringify(shown.stdout.trim())}; icacls: ${JSON.stringify(icacls.stdout.trim())}`);
    assert.deepEqual({ a: modes['install-a'], b: modes['install-b'] }, { a: '775', b: '775' }, 'both data directories went through SetNamedSecurityInfoW');
    assert.equal(modes.control, '755', 'a directory made the same way without the call keeps mkdir\'s mode');
    assert.deepEqual(failedOf('restrictDirectory.missing'), { code: 'WIN32_3', error: 'SetNamedSecurityInfoW failed: Path not found' });
  });
});
