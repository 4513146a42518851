// One throwaway Samba domain per test run, started lazily by the first test that asks for it
// and removed when mocha finishes.
import { connect } from 'node:net';
import { SambaDomain } from './samba-dc.js';
import { seedDomain, type SeedInfo, SEED_PASSWORD } from './seed.js';
import { filesContainingSecrets, rememberSecret, rememberedSecrets, runDir } from './run-dir.js';

export interface TestDomain {
  dc: SambaDomain;
  seed: SeedInfo;
}

// Shared through globalThis: mocha may load this module once via require() and once via import().
const KEY = Symbol.for('keyhatch.test.domain');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= { shared: undefined }) as { shared: Promise<TestDomain> | undefined; second?: Promise<TestDomain> | undefined };

/**
 * Timeout for a before-hook that awaits testDomain(): whichever hook comes first pays for provisioning,
 * start and seeding, which takes minutes on a busy 2-core machine (the others get the same promise).
 */
export const DOMAIN_SETUP_TIMEOUT_MS = 900_000;

export function testDomain(): Promise<TestDomain> {
  slot.shared ??= (async () => {
    const dc = await SambaDomain.create({ address: process.env.KEYHATCH_TEST_DC_ADDRESS ?? await freeLoopbackAddress() });
    rememberSecret(dc.adminPassword, SEED_PASSWORD);
    try {
      return { dc, seed: await seedDomain(dc) };
    } catch (err) {
      await dc.destroy();
      throw err;
    }
  })();
  return slot.shared;
}

/**
 * A second throwaway domain (other realm, other NetBIOS name, its own loopback address) for the
 * several-directories tests; seeded like the first, so the same sAMAccountNames exist in both.
 */
export function secondTestDomain(): Promise<TestDomain> {
  slot.second ??= (async () => {
    await testDomain(); // the first picks its address first, so the two never race for one
    const dc = await SambaDomain.create({ address: process.env.KEYHATCH_TEST_DC2_ADDRESS ?? await freeLoopbackAddress(), realm: 'OTHERLAB.TEST', netbios: 'OTHERLAB', hostName: 'dc2' });
    rememberSecret(dc.adminPassword, SEED_PASSWORD);
    try {
      return { dc, seed: await seedDomain(dc) };
    } catch (err) {
      await dc.destroy();
      throw err;
    }
  })();
  return slot.second;
}

/** The first 127.0.0.x (x ≥ 11) where nothing answers on 389 — a DC left over from another run cannot break this one. */
async function freeLoopbackAddress(): Promise<string> {
  for (let x = 11; x < 250; x++) {
    const address = `127.0.0.${x}`;
    const busy = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port: 389 });
      s.setTimeout(300, () => { s.destroy(); resolve(false); });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (!busy) return address;
  }
  throw new Error('no free loopback address for the test DC (127.0.0.11-249 all answer on 389)');
}

export async function mochaGlobalTeardown(): Promise<void> {
  const pending = [slot.second, slot.shared];
  slot.second = undefined;
  slot.shared = undefined;
  for (const p of pending) {
    const d = p ? await p.catch(() => undefined) : undefined;
    await d?.dc.destroy();
  }
}

/** Root hook: after the whole run, no log any test produced may contain a secret a test used. */
export const mochaHooks = {
  afterAll(): void {
    const secrets = rememberedSecrets();
    if (process.env.KEYHATCH_TEST_VERBOSE) console.log(`secret check: ${secrets.length} secrets against ${runDir()}`);
    const hits = filesContainingSecrets(runDir(), secrets);
    if (hits.length > 0) {
      throw new Error(`secrets found in logs: ${hits.map((h) => `${h.file} contains ${h.secret}`).join('; ')}`);
    }
  },
};
