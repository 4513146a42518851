// Fail closed, never cache a failure: the decoy probe account (whose directory work makes an
// unknown name cost the same as a real one) is looked up again after an error.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startStandalone } from '../../daemon/src/roles/standalone.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { MemoryDirectory } from '../../bench/support/memory-directory.js';

describe('decoy probe account (fault injected)', function () {
  this.timeout(60_000);
  let server: Awaited<ReturnType<typeof startStandalone>>;
  const directory = new MemoryDirectory(3);
  let failures = 0;
  let calls = 0;
  const real = directory.sampleUser.bind(directory);
  directory.sampleUser = async () => {
    calls++;
    if (failures > 0) { failures--; throw new Error('injected: DC unreachable'); }
    return real();
  };

  before(async () => {
    const config = validateConfig({ dataDir: mkdtempSync(join(tmpdir(), 'keyhatch-probe-')), listen: '127.0.0.1:0', log: { level: 'warn' } });
    const core = { config, log: silentLogger, audit: new MemoryAudit(), directory, close: async () => undefined };
    server = await startStandalone(config, { core });
  });
  after(async () => { await server?.close(); });

  const start = async (username: string) => {
    const r = await fetch(`${server.url}/api/v1/recovery`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-keyhatch-kiosk': server.kioskSecret }, body: JSON.stringify({ username }) });
    return r.status;
  };

  it('refuses the start while the probe fails, and asks the directory again next time', async () => {
    failures = 1;
    assert.ok((await start('nobody-1')) >= 500, 'a failed probe refuses the start instead of a decoy without directory work');
    assert.equal(await start('nobody-2'), 201, 'the next start asks again and succeeds');
    assert.equal(calls, 2, 'the failure was not cached');
    assert.equal(await start('nobody-3'), 201);
    assert.equal(calls, 2, 'an answer is cached');
  });
});
