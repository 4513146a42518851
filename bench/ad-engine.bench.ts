// Engine vs raw LDAP on the same throwaway DC, in one run: unlock (1 modify) and reset
// (two-step: 2 modifies). Samples are interleaved so drift on the DC hits both sides alike.
import { Attribute, Change, Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { SambaDomain } from '../test/support/samba-dc.js';
import { seedDomain } from '../test/support/seed.js';
import { DomainAdmin } from '../test/support/domain-admin.js';
import { AdDirectory } from '../daemon/src/directory/ad/ad-directory.js';
import { encodeUnicodePwd, temporaryPassword } from '../daemon/src/directory/ad/password-ops.js';
import { MemoryAudit } from '../daemon/src/log/audit.js';
import { silentLogger } from '../daemon/src/log/logger.js';
import { validateConfig } from '../daemon/src/config/load.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, summary, timed } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const pwd = (op: 'add' | 'delete' | 'replace', p: string) => new Change({ operation: op, modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(p)] }) });

export async function runAdEngineBench(): Promise<Record<string, unknown>> {
  const dc = await SambaDomain.create({ address: process.env.BENCH_DC_ADDRESS ?? '127.0.0.12' });
  try {
    const seed = await seedDomain(dc);
    const admin = await DomainAdmin.connect(dc);
    const users = [] as Array<{ name: string; dn: string }>;
    for (let i = 0; i < 2; i++) users.push({ name: `bench${i}`, dn: await admin.addUser({ name: `bench${i}`, password: `Bench-Start-${i}-Pw!`, displayName: 'Load Test' }, seed.peopleOu) });
    await admin.close();

    const dataDir = mkdtempSync(join(tmpdir(), 'keyhatch-bench-'));
    const cfg = validateConfig({ dataDir, ad: { urls: [dc.ldapsUrl], baseDn: seed.peopleOu, bindDn: seed.service.upn, bindPassword: seed.service.password, caFile: dc.caFile } });
    const engine = new AdDirectory({ config: cfg.ad!, dataDir, log: silentLogger, audit: new MemoryAudit() });
    const raw = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: [readFileSync(dc.caFile)], servername: dc.hostFqdn } });
    await raw.bind(seed.service.upn, seed.service.password);

    const engineUser = (await engine.findUser(users[0]!.name))!;
    const rawDn = users[1]!.dn;
    // Warm both connections and caches.
    await engine.unlock(engineUser, { actor: 'bench', correlationId: 'w' });
    await engine.effectivePolicy(engineUser);
    await raw.modify(rawDn, new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }));

    const t = { engineUnlock: [] as number[], rawUnlock: [] as number[], engineReset: [] as number[], rawReset: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which side goes first so neither always follows the expensive reset.
      const unlockEngine = async () => { t.engineUnlock.push(await timed(() => engine.unlock(engineUser, { actor: 'bench', correlationId: `u${i}` }))); };
      const unlockRaw = async () => { t.rawUnlock.push(await timed(() => raw.modify(rawDn, new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) })))); };
      for (const f of i % 2 === 0 ? [unlockEngine, unlockRaw] : [unlockRaw, unlockEngine]) {
        for (let k = 0; k < 5; k++) await f();
      }
      const p = `Bench-${i}-Pw!x`;
      t.engineReset.push(await timed(() => engine.resetPassword(engineUser, p, { actor: 'bench', correlationId: `r${i}`, operationId: `r${i}` })));
      t.rawReset.push(await timed(async () => {
        const temp = temporaryPassword();
        await raw.modify(rawDn, [pwd('replace', temp), new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) })]);
        await raw.modify(rawDn, [pwd('delete', temp), pwd('add', p)]);
      }));
    }
    await raw.unbind();
    await engine.close();

    const s = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, summary(v)])) as Record<keyof typeof t, ReturnType<typeof summary>>;
    const unlockRatio = s.engineUnlock.p50 / s.rawUnlock.p50;
    const resetRatio = s.engineReset.p50 / s.rawReset.p50;
    console.log(`\nAD engine vs raw ldapts (${ROUNDS} interleaved rounds, Samba ${dc.address}, LDAPS, warm connections)`);
    console.log(`  unlock  engine p50 ${fmt(s.engineUnlock.p50)} p99 ${fmt(s.engineUnlock.p99)} | raw modify p50 ${fmt(s.rawUnlock.p50)} p99 ${fmt(s.rawUnlock.p99)} | ratio ${unlockRatio.toFixed(3)}× (target ≤ 1.10×: ${unlockRatio <= 1.1 ? 'met' : 'MISSED'})`);
    console.log(`  reset   engine p50 ${fmt(s.engineReset.p50)} p99 ${fmt(s.engineReset.p99)} | raw 2×modify p50 ${fmt(s.rawReset.p50)} p99 ${fmt(s.rawReset.p99)} | ratio ${resetRatio.toFixed(3)}× (target ≤ 1.10×: ${resetRatio <= 1.1 ? 'met' : 'MISSED'})`);
    console.log('  (engine reset also reads the user\'s resultant PSO and fsyncs the reset journal — that is the difference)');
    return { rounds: ROUNDS, ...s, unlockRatio, resetRatio };
  } finally {
    await dc.destroy();
  }
}
