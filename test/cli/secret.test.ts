// `keyhatch secret set <key>`: the value from stdin lands in the platform secret store (a 0600
// file off Windows) and the configuration picks it up; it never appears on stdout or stderr.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliIo } from '../../daemon/src/cli/main.js';
import { loadConfig } from '../../daemon/src/config/load.js';
import { freshDir } from '../support/run-dir.js';

function io(env: Record<string, string>, stdin: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: async () => stdin };
}

describe('keyhatch secret set', () => {
  it('stores the value from stdin in the secret store (0600) and loadConfig uses it', async () => {
    const dir = freshDir('secret-set');
    // Entra is configured without any credential yet: `secret set` must work before it validates.
    const env = { KEYHATCH_DATA_DIR: dir, KEYHATCH_AD_URL: 'ldaps://dc.example', KEYHATCH_AD_BASE_DN: 'DC=example', KEYHATCH_AD_BIND_DN: 'svc@example',
      KEYHATCH_ENTRA_TENANT_ID: 't', KEYHATCH_ENTRA_CLIENT_ID: 'c' };
    await assert.rejects(loadConfig({ env }), /entra: needs clientSecret/);
    for (const [key, value] of [['ad-bind-password', 'Stdin-Bind-Pw-1!'], ['entra-client-secret', 'entra~secret~value']] as const) {
      const t = io(env, `${value}\n`);
      assert.equal(await runCli(['secret', 'set', key], t), 0, t.err.join());
      assert.ok(!t.out.join().includes(value) && !t.err.join().includes(value), 'the value is never echoed');
    }
    const files = readdirSync(join(dir, 'secrets'));
    assert.deepEqual(files.sort(), ['config.ad-bind-password.secret', 'config.entra-client-secret.secret']);
    for (const f of files) assert.equal(statSync(join(dir, 'secrets', f)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    assert.equal(readFileSync(join(dir, 'secrets', 'config.ad-bind-password.secret'), 'utf8'), 'Stdin-Bind-Pw-1!', 'trailing newline dropped');
    const cfg = await loadConfig({ env });
    assert.equal(cfg.ad?.bindPassword, 'Stdin-Bind-Pw-1!');
    assert.equal(cfg.entra?.clientSecret, 'entra~secret~value');
  });

  it('refuses an unknown key, an empty value and a value on the command line', async () => {
    const env = { KEYHATCH_DATA_DIR: freshDir('secret-bad') };
    const unknown = io(env, 'x');
    assert.equal(await runCli(['secret', 'set', 'root-password'], unknown), 2);
    assert.match(unknown.err.join(), /unknown secret "root-password"; known: ad-bind-password/);
    const empty = io(env, '\n');
    assert.equal(await runCli(['secret', 'set', 'smtp-password'], empty), 2);
    assert.match(empty.err.join(), /no value on stdin/);
    const inline = io(env, '');
    assert.equal(await runCli(['secret', 'set', 'smtp-password', 'Inline-Pw-1'], inline), 2);
    assert.match(inline.err.join(), /value on stdin/);
  });
});
