// `keyhatch kiosk-account <ensure|status|disable>`: the installer's entry point for the one local
// kiosk account (the Win32 side is test/native/addon.security.test.ts under Wine).
import assert from 'node:assert/strict';
import { runCli, type CliIo } from '../../daemon/src/cli/main.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kioskAccountCommand } from '../../daemon/src/cli/kiosk-account.js';
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

  it('ensure and disable leave one line each in <dataDir>/logs/installer.log (what the MSI custom action did), failures with their code', async () => {
    const dataDir = freshDir('kiosk-account-note');
    const out: string[] = [];
    const states = new Map<string, { exists: boolean; disabled: boolean }>();
    const kioskAccount = async (name: string, action: 'ensure' | 'status' | 'disable') => {
      if (action === 'disable' && !states.has(name)) throw Object.assign(new Error('NetUserSetInfo failed'), { code: 'WIN32_2221' });
      if (action === 'ensure') states.set(name, { exists: true, disabled: true });
      return states.get(name) ?? { exists: false, disabled: false };
    };
    await assert.rejects(kioskAccountCommand('disable', { account: 'KeyhatchKiosk', dataDir, stdout: (l) => out.push(l), kioskAccount }), /NetUserSetInfo/);
    assert.equal(await kioskAccountCommand('ensure', { account: 'KeyhatchKiosk', dataDir, stdout: (l) => out.push(l), kioskAccount }), 0);
    assert.equal(await kioskAccountCommand('status', { account: 'KeyhatchKiosk', dataDir, stdout: (l) => out.push(l), kioskAccount }), 0);
    assert.deepEqual(out, ['KeyhatchKiosk: exists, disabled', 'KeyhatchKiosk: exists, disabled']);
    const lines = readFileSync(join(dataDir, 'logs', 'installer.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.action, l.result, l.code ?? l.disabled]), [['kiosk-account.disable', 'failure', 'WIN32_2221'], ['kiosk-account.ensure', 'success', true]], 'status leaves no line');
  });
});
