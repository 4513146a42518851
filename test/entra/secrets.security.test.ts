// No secret in any log: a run of Entra operations (good and bad credentials, resets that succeed and
// fail, a hybrid reset) with the real file logger and audit log, then every log file is grepped
// for the client secret, the passwords and the access tokens used.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Directory } from '../../daemon/src/directory/directory.js';
import { EntraDirectory } from '../../daemon/src/directory/entra/entra-directory.js';
import { checkEntra } from '../../daemon/src/directory/entra/doctor.js';
import { HybridDirectory } from '../../daemon/src/directory/hybrid/hybrid-directory.js';
import { createAuditLog } from '../../daemon/src/log/audit.js';
import { createLogger } from '../../daemon/src/log/logger.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { ctx, emulatorConfig } from './helpers.js';

describe('Entra secrets never reach a log (security)', () => {
  let g: GraphEmulator;
  afterEach(async () => { await g?.close(); });

  it('client secret, passwords and tokens appear in no log file', async () => {
    g = await startGraphEmulator({
      users: [
        { id: 'c1', userPrincipalName: 'ann@contoso.test' },
        { id: 'c2', userPrincipalName: 'bob@contoso.test', onPremisesSyncEnabled: true, onPremisesSamAccountName: 'bob' },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'keyhatch-entra-logs-'));
    const log = createLogger({ dir, level: 'debug', console: false });
    const audit = createAuditLog(dir);
    const secrets = [g.clientSecret, 'Wr0ng~Secret~Value', 'Good-Password-123', 'Ünïcödé-pässwörd', 'Hybrid-Password-77'];
    const tokens: string[] = [];
    const sleep = async () => undefined;

    const bad = new EntraDirectory({ config: emulatorConfig(g, { clientSecret: 'Wr0ng~Secret~Value' }), log, audit, sleep });
    await bad.findUser('ann@contoso.test').catch(() => undefined);
    await checkEntra(bad);

    const entra = new EntraDirectory({ config: emulatorConfig(g), log, audit, sleep });
    tokens.push((await entra.tokens.getToken()).token);
    const ann = (await entra.findUser('ann@contoso.test'))!;
    g.state.faults.push({ status: 429, retryAfter: '1' });
    await entra.resetPassword(ann, 'Good-Password-123', ctx);
    await entra.resetPassword(ann, 'Ünïcödé-pässwörd', ctx).catch(() => undefined);
    g.state.appDirectoryRoles = [];
    await entra.resetPassword(ann, 'Good-Password-123', ctx).catch(() => undefined);
    await entra.unlock(ann, ctx);

    const fakeAd: Directory = {
      label: 'fake AD', findUser: async (n) => (n === 'bob' ? { id: 'CN=bob,DC=x', accountName: 'bob', userPrincipalName: 'bob@contoso.test' } : null),
      accountStatus: async () => { throw new Error('unused'); }, privilege: async () => ({ privileged: false, via: [], adminCountHint: false }), groups: async () => [],
      effectivePolicy: async () => { throw new Error('unused'); }, unlock: async () => undefined, resetPassword: async () => undefined,
      abandonReset: async () => false, changePassword: async () => undefined, verifyPassword: async () => undefined, close: async () => undefined,
      absentUser: () => ({ id: 'CN=absent,DC=x' }), describe: () => ({}),
    };
    let now = new Date();
    const h = new HybridDirectory({ ad: fakeAd, entra, config: emulatorConfig(g, { syncWatchSeconds: 60 }), log, audit, clock: () => now, autoPoll: false });
    await h.resetPassword((await h.findUser('bob'))!, 'Hybrid-Password-77', ctx);
    now = new Date(now.getTime() + 3600_000);
    await h.checkSync();

    await Promise.all([log.close(), audit.close()]);
    const files = readdirSync(dir);
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    assert.ok(all.includes('entra.sync-mismatch') && all.includes('entra.unlock') && all.includes('graph request retried'), 'the logs did record the run');
    for (const s of [...secrets, ...tokens]) assert.ok(!all.includes(s), `a secret leaked into ${files.join(', ')}`);
    assert.ok(!/Bearer [A-Za-z0-9_-]{10,}/.test(all), 'no bearer token');
  });
});
