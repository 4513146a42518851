// The DLL's own request builder and response reader (native/credential-provider/src/protocol.cpp),
// compiled into protocol-test.exe and run under Wine; every request it builds must decode with
// the daemon's TypeScript decoder to exactly the intended message.
import assert from 'node:assert/strict';
import path from 'node:path';
import { decodeRequest } from '../../daemon/src/platform/launch-protocol.js';
import { buildNative, installFile, repoRoot, wine, winePrefix } from './support/wine.js';

const KH_E_PROTOCOL = 0x80040203 | 0;
const KH_E_REQUEST_TOO_LARGE = 0x80040205 | 0;
const S_FALSE = 1;

describe('credential provider protocol code under Wine', function () {
  this.timeout(240_000);
  const requests = new Map<string, { hr: number; body: string }>();
  const bools = new Map<string, { hr: number; value: boolean }>();

  before(async () => {
    buildNative('credential-provider');
    const prefix = await winePrefix();
    const exe = installFile(prefix, path.join(repoRoot, 'native/credential-provider/build/protocol-test.exe'));
    const result = await wine(prefix, [exe]);
    assert.equal(result.code, 0, result.stderr);
    for (const line of result.stdout.split(/\r?\n/)) {
      const req = /^REQ (\S+) (-?\d+) ?(.*)$/.exec(line);
      if (req) requests.set(req[1]!, { hr: Number(req[2]), body: req[3]! });
      const b = /^BOOL (\S+) (-?\d+) ([01])$/.exec(line);
      if (b) bools.set(b[1]!, { hr: Number(b[2]), value: b[3] === '1' });
    }
    assert.ok(requests.size >= 10 && bools.size >= 9, `unexpected output:\n${result.stdout}`);
  });

  const decoded = (name: string): unknown => {
    const r = requests.get(name);
    assert.ok(r, `no case ${name}`);
    assert.equal(r.hr, 0, name);
    return decodeRequest(Buffer.from(r.body, 'utf8'));
  };
  const launch = (sessionId: number, scenario: string, action: string, user?: string) => ({
    v: 1, type: 'LaunchKiosk', sessionId, scenario, action, ...(user !== undefined && { user }),
  });

  it('builds requests the daemon decodes to exactly the intended message', () => {
    assert.deepEqual(decoded('status'), { v: 1, type: 'Status' });
    assert.deepEqual(decoded('logon-reset'), launch(1, 'logon', 'reset'));
    assert.deepEqual(decoded('unlock-unlock-quoted'), launch(2, 'unlock', 'unlock', 'CONTOSO\\j"doe'));
    assert.deepEqual(decoded('unicode'), launch(3, 'unlock', 'reset', 'Zoë Ünal 中'));
    assert.deepEqual(decoded('user-256'), launch(4, 'unlock', 'unlock', 'a'.repeat(256)));
    assert.deepEqual(decoded('max-session'), launch(4294967295, 'logon', 'unlock'));
  });

  it('drops a user name the daemon would reject (too long, control characters, broken UTF-16) instead of failing the launch', () => {
    assert.deepEqual(decoded('user-257-omitted'), launch(5, 'unlock', 'unlock'));
    assert.deepEqual(decoded('control-omitted'), launch(6, 'unlock', 'unlock'));
    assert.deepEqual(decoded('lone-surrogate-omitted'), launch(7, 'unlock', 'unlock'));
  });

  it('reports a request that does not fit its buffer', () => {
    assert.equal(requests.get('buffer-too-small')?.hr, KH_E_REQUEST_TOO_LARGE);
  });

  it('reads only top-level booleans from a response', () => {
    assert.deepEqual(bools.get('ok-true'), { hr: 0, value: true });
    assert.deepEqual(bools.get('available-false'), { hr: 0, value: false });
    assert.deepEqual(bools.get('nested-ignored'), { hr: 0, value: false });
    assert.deepEqual(bools.get('string-ignored'), { hr: 0, value: false });
    assert.deepEqual(bools.get('deep'), { hr: 0, value: true });
    assert.equal(bools.get('string-not-bool')?.hr, S_FALSE);
    assert.equal(bools.get('absent')?.hr, S_FALSE);
    assert.equal(bools.get('array')?.hr, KH_E_PROTOCOL);
    assert.equal(bools.get('truncated')?.hr, KH_E_PROTOCOL);
  });
});
