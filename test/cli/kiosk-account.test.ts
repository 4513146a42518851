// `keyhatch kiosk-account <ensure|status|disable>`: the installer's entry point for the one local
// kiosk account (the Win32 side is test/native/addon.security.test.ts under Wine).
import assert from 'node:assert/strict';
import { runCli, type CliIo } from '../../daemon/src/cli/main.js';
import { freshDir } from '../support/run-dir.js';

function io(env: Record<string, string>): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: async () => '' };
}

describe('keyhatch kiosk-account', () => {
  it('accepts only ensure, status and disable', async () => {
    const t = io({ KEYHATCH_DATA_DIR: freshDir('kiosk-account') });
    assert.equal(await runCli(['kiosk-account', 'create'], t), 2);
    assert.match(t.err.join(), /usage: kiosk-account <ensure\|status\|disable>/);
    assert.equal(await runCli(['kiosk-account'], t), 2);
  });

  it('fails with a clear message where the native addon is absent (off Windows)', async function () {
    if (process.platform === 'win32') this.skip(); // on Windows the addon is there (Wine run covers it)
    const t = io({ KEYHATCH_DATA_DIR: freshDir('kiosk-account-linux') });
    assert.equal(await runCli(['kiosk-account', 'status'], t), 1);
    assert.match(t.err.join(), /native addon is not available/);
  });
});
