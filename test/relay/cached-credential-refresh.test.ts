// The relay's offline-laptop refresh with a real DC probe (SRV answer → TCP connect to a real
// listener or a closed port) and the relay's real log file: DC reachable → no MSV1_0 call;
// unreachable → call; policy off → no call; a failing call → logged, without the password.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { cachedCredentialRefresh, dcProbe } from '../../daemon/src/relay/cached-credential-refresh.js';
import { createRelayLog, type RelayLog } from '../../daemon/src/relay/relay-log.js';
import { resetListeners } from '../../daemon/src/relay/reset-listeners.js';
import { RecentResets } from '../../daemon/src/platform/recent-resets.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { freshDir } from '../support/run-dir.js';

const ACCOUNT = { sid: 'S-1-5-21-1-2-3-1104', domain: 'CORP', account: 'alice', dnsDomain: 'corp.example' };
const PASSWORD = 'Offline-Neu-77!';

describe('relay: cached logon credential refresh after a reset at the gateway', () => {
  let live: Server;
  let livePort: number;
  let deadPort: number;
  let dir: string;
  let log: RelayLog;
  before(async () => {
    live = createServer((s) => s.destroy());
    await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
    livePort = (live.address() as { port: number }).port;
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    dir = freshDir('relay-cache');
    log = createRelayLog(join(dir, 'logs'), 'debug', false);
  });
  after(async () => { live.close(); await log.close(); });

  const srv = (port: number) => async () => [{ name: '127.0.0.1', port, priority: 0, weight: 0 }];
  const run = async (o: { port?: number; resolveSrv?: () => Promise<never>; enabled?: boolean; fail?: boolean }) => {
    const calls: string[][] = [];
    const refresh = cachedCredentialRefresh({
      enabled: o.enabled ?? true, computerName: 'LAPTOP7', log,
      addon: { changeCachedPassword: async (d, a, p) => { calls.push([d, a, p]); if (o.fail) throw Object.assign(new Error(`LSA said no to ${p}`), { code: 'WIN32_1355' }); } },
      probe: dcProbe({ resolveSrv: o.resolveSrv ?? srv(o.port ?? deadPort) }),
    });
    return { outcome: await refresh(ACCOUNT, PASSWORD), calls };
  };

  it('a DC answers on its LDAP port: no call', async () => {
    const r = await run({ port: livePort });
    assert.deepEqual(r.outcome, { update: false, reason: 'DC_REACHABLE' });
    assert.deepEqual(r.calls, []);
  });

  it('no DC accepts a connection, or the DNS does not know the domain (home network): the call, with DOMAIN, account and the new password', async () => {
    assert.deepEqual((await run({ port: deadPort })).calls, [['CORP', 'alice', PASSWORD]]);
    const nx = await run({ resolveSrv: async () => { throw Object.assign(new Error('queryType'), { code: 'ENOTFOUND' }); } });
    assert.deepEqual([nx.outcome, nx.calls.length], [{ update: true }, 1]);
  });

  it('a DNS failure that says nothing (SERVFAIL, timeout) is unknown: no call', async () => {
    const r = await run({ resolveSrv: async () => { throw Object.assign(new Error('queryType'), { code: 'ESERVFAIL' }); } });
    assert.deepEqual([r.outcome, r.calls.length], [{ update: false, reason: 'DC_STATE_UNKNOWN' }, 0]);
  });

  it('policy off: no probe, no call', async () => {
    let probed = false;
    const r = await run({ enabled: false, resolveSrv: async () => { probed = true; throw new Error('x'); } });
    assert.deepEqual([r.outcome, r.calls.length, probed], [{ update: false, reason: 'POLICY_OFF' }, 0, false]);
  });

  it('a failing call is logged with its code and the account, never with the password', async () => {
    const r = await run({ fail: true });
    assert.deepEqual(r.outcome, { update: true, failed: 'WIN32_1355' });
    await log.close();
    log = createRelayLog(join(dir, 'logs'), 'debug', false);
    const text = readFileSync(join(dir, 'logs', 'keyhatch.log'), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const failure = lines.find((l) => l.result === 'failure');
    assert.deepEqual([failure?.action, failure?.target, failure?.domain, failure?.reason], ['relay.cached-credential', 'alice', 'CORP', 'WIN32_1355']);
    assert.ok(!text.includes(PASSWORD), 'the password is in no log line');
    assert.deepEqual(lines.filter((l) => l.result === 'skipped').map((l) => l.reason), ['DC_REACHABLE', 'DC_STATE_UNKNOWN', 'POLICY_OFF']);
  });

  it('the relay wiring follows gateway.updateCachedCredentials (policy Relay\\UpdateCachedCredentials); the SID is noted either way', async () => {
    for (const on of [true, false]) {
      const calls: string[][] = [];
      const recentResets = new RecentResets();
      const logDir = freshDir('relay-wiring');
      const wiringLog = createRelayLog(logDir, 'debug', false);
      const config = validateConfig({ role: 'relay', dataDir: logDir, gateway: { updateCachedCredentials: on } });
      const listeners = await resetListeners({ config, log: wiringLog, recentResets,
        addon: { changeCachedPassword: async (d, a, p) => { calls.push([d, a, p]); } }, probe: dcProbe({ resolveSrv: srv(deadPort) }) });
      for (const l of listeners) l(ACCOUNT, PASSWORD);
      assert.deepEqual(recentResets.list(), [ACCOUNT.sid]);
      // The refresh runs in the background: its outcome line says when it is over.
      let outcome: Record<string, unknown> | undefined;
      for (let i = 0; i < 600 && !outcome; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const text = readFileSync(join(logDir, 'keyhatch.log'), 'utf8');
        outcome = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.action === 'relay.cached-credential');
      }
      await wiringLog.close();
      assert.deepEqual([outcome?.result, outcome?.reason, calls.length], on ? ['success', undefined, 1] : ['skipped', 'POLICY_OFF', 0]);
    }
  });
});
