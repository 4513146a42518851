// cli/relay-first.ts decides, before anything else loads, whether `keyhatch` is a relay's `serve`
// (started with the relay's modules only) or anything else (handed to the whole CLI unchanged).
// The relay case itself — which modules it loads, that it answers and stops — is
// test/roles/relay-light.test.ts; here: every other case reaches the whole CLI with its arguments.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRelayFirst, type WholeCli } from '../../daemon/src/cli/relay-first.js';
import type { CliIo } from '../../daemon/src/cli/cli-io.js';

function recorder(): { whole: () => Promise<WholeCli>; calls: Array<{ argv: readonly string[]; io: CliIo | undefined }> } {
  const calls: Array<{ argv: readonly string[]; io: CliIo | undefined }> = [];
  const cli: WholeCli = {
    runCli: async (argv, io) => { calls.push({ argv, io }); return 42; },
    loadRoleConfig: async () => { throw new Error('not expected here'); },
  };
  return { whole: async () => cli, calls };
}

const ioWith = (env: Record<string, string | undefined>): CliIo => ({ stdout: () => undefined, stderr: () => undefined, readStdin: async () => '', env });

describe('relay-first entry (what starts before the whole CLI)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-first-'));

  const handedOver: Array<[string, string[], Record<string, string | undefined>]> = [
    ['another command', ['doctor'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir }],
    ['no command (usage)', [], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir }],
    ['serve with an extra argument', ['serve', 'now'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir }],
    ['serve with a flag', ['serve', '--help'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir }],
    ['a usage error', ['serve', '--config'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir }],
    ['serve in the gateway role', ['serve'], { KEYHATCH_ROLE: 'gateway', KEYHATCH_DATA_DIR: dataDir }],
    ['serve in the standalone role', ['serve'], { KEYHATCH_ROLE: 'standalone', KEYHATCH_DATA_DIR: dataDir }],
    // Only the full schema judges (and reports) these: the relay path must not start or answer.
    ['a relay listening beyond loopback', ['serve'], { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: dataDir, KEYHATCH_LISTEN: '0.0.0.0:8080' }],
    ['a missing config file', ['serve', '--config', join(dataDir, 'absent.json')], { KEYHATCH_DATA_DIR: dataDir }],
  ];
  for (const [what, argv, env] of handedOver) {
    it(`hands ${what} to the whole CLI with the same arguments and io`, async () => {
      const { whole, calls } = recorder();
      const io = ioWith(env);
      assert.equal(await runRelayFirst(argv, whole, io), 42);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]?.argv, argv);
      assert.equal(calls[0]?.io, io);
    });
  }

  it('hands over a relay config file with a setting only the schema can judge', async () => {
    const file = join(dataDir, 'relay-with-directory.json');
    writeFileSync(file, JSON.stringify({ role: 'relay', dataDir, ad: { url: 'ldaps://dc.example.test' } }), { mode: 0o600 });
    const { whole, calls } = recorder();
    assert.equal(await runRelayFirst(['serve', '--config', file], whole, ioWith({})), 42);
    assert.equal(calls.length, 1);
  });
});
