// Property-based fuzzing of the gateway's admin console API (issue 13, "Bad input"): every route
// under /admin/api the console declares, KEYHATCH_FUZZ_RUNS hostile requests each, most of them
// signed in (a live session cookie and its CSRF token, as an admin or a help-desk agent) so the
// handlers behind the session, CSRF and role doors are reached; path parameters are often live (a
// user this session looked up and verified or not, a joined device). The directory (its population
// source included) and mail fail now and then.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { refOf } from '../../daemon/src/admin/console/caller-verification.js';
import { PRE_CSRF_COOKIE, SESSION_COOKIE } from '../../daemon/src/admin/console/sessions.js';
import { userKeyOf, type DirectoryUser } from '../../daemon/src/directory/directory.js';
import { createCsr, generateKeyPair } from '../../daemon/src/pki/x509.js';
import { CONSOLE_MOUNTS, implementedRoutes } from '../support/api-routes.js';
import { rememberSecret } from '../support/run-dir.js';
import { fuzzString, pctEncode } from './fuzz-support/arbitraries.js';
import { startFuzzEnv, ALICE_MAIL, PEOPLE, type FuzzEnv } from './fuzz-support/env.js';
import { FAKE_BASE_DN, FAKE_GROUPS } from './fuzz-support/fake-directory.js';
import { queryParams, type Endpoint, type FuzzContext } from './fuzz-support/http-fuzz.js';
import { fuzzEndpoints, type FuzzTarget } from './fuzz-support/suite.js';
import { send, type Target } from './fuzz-support/wire.js';

const ADMINS = `CN=Keyhatch Admins,${FAKE_BASE_DN}`;
const HELPDESK = `CN=Keyhatch Helpdesk,${FAKE_BASE_DN}`;
/** grace (privileged, as console admins often are) is an admin; bob a help-desk agent; alice and dave neither. */
const SIGN_IN = { admin: 'grace', helpdesk: 'bob' } as const;
type Role = keyof typeof SIGN_IN;
/** Alice's e-mail method on the gateway under an id the verify route accepts (a UUID). */
const ALICE_FACTOR = '6f1c2a3e-9b4d-4e5f-8a7b-0c1d2e3f4a5b';
const SLOTS = 4;
/** A slot's caller verification lasts callerVerifiedSeconds (3600 here): remade well before. */
const REMAKE_AFTER_MS = 20 * 60_000;

function endpoints(): Endpoint[] {
  const api = [...implementedRoutes(CONSOLE_MOUNTS)].map((r) => {
    const [method, path] = r.split(' ') as [string, string];
    return { method, path };
  });
  assert.ok(api.length >= 25, `found ${api.length} console routes`);
  return api;
}

interface Session { cookie: string; csrf: string; at: number }

/**
 * Live console sessions per role and slot — 0: alice looked up and verified as the caller; 1: alice
 * looked up with a verification pending; 2: alice, bob, grace and dave looked up; 3: nothing looked
 * up — made through the API itself, replaced when a case ended or changed them. Refs: alice (twice),
 * bob, grace. Devices: freshly joined, replaced when revoked.
 */
class ConsolePool {
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly devices = new Map<number, Promise<string>>();
  private factorGone = false;
  private bearer: Promise<string> | undefined;
  remade = 0;

  constructor(private readonly env: FuzzEnv, private readonly target: Target, private readonly host: string, private readonly refs: readonly string[], private readonly csr: string) {}

  async live(kind: string, index: number): Promise<string> {
    const slot = index % SLOTS;
    if (this.factorGone) { this.factorGone = false; await aliceFactor(this.env); }
    if (kind === 'ref') return this.refs[slot] as string;
    if (kind === 'device') return this.device(slot);
    if (kind === 'bearer') return this.bearer ??= this.portalToken();
    const [what, role] = kind.split(':') as ['cookie' | 'csrf', Role];
    if ((what !== 'cookie' && what !== 'csrf') || !(role in SIGN_IN)) throw new Error(`no live values of kind ${kind}`);
    const s = await this.session(role, slot);
    return what === 'cookie' ? s.cookie : s.csrf;
  }

  consumed(kind: string, index: number, ep: Endpoint, status: number, code: string | undefined): void {
    const slot = index % SLOTS;
    if (/\/reset-enrollment$/.test(ep.path) && status === 200) this.factorGone = true;
    if (kind === 'device') { if (status === 200 || code === 'NOT_FOUND') this.devices.delete(slot); return; }
    if (!kind.startsWith('cookie:')) return;
    const key = `${kind.slice('cookie:'.length)}:${slot}`;
    const ended = (ep.path === '/admin/api/session' && ep.method === 'POST' && status === 200) || (ep.path === '/admin/api/session/end' && status === 204) || code === 'UNAUTHORIZED';
    // A new verification ends the verified state of slot 0; slot 1's pending check ends with its tries.
    const changed = (slot === 0 && /\/verify$/.test(ep.path) && status === 200) || (slot === 1 && code === 'SESSION_EXPIRED');
    if (ended || changed) this.sessions.delete(key);
  }

  context(): Pick<FuzzContext, 'live' | 'consumed'> {
    return { live: (k, i) => this.live(k, i), consumed: (k, i, ep, s, c) => this.consumed(k, i, ep, s, c) };
  }

  private session(role: Role, slot: number): Promise<Session> {
    const key = `${role}:${slot}`;
    let v = this.sessions.get(key);
    if (v) {
      const current = v;
      v = current.then((s) => (Date.now() - s.at > REMAKE_AFTER_MS ? Promise.reject(new Error('old')) : s)).catch(() => {
        this.sessions.delete(key);
        return this.session(role, slot);
      });
      return v;
    }
    v = retried(() => this.makeSession(role, slot));
    v.catch(() => this.sessions.delete(key));
    this.sessions.set(key, v);
    this.remade++;
    return v;
  }

  private async api(s: Session | undefined, method: string, path: string, body?: unknown, extra: Array<[string, string]> = []): Promise<{ status: number; body: any; headers: Record<string, string> }> {
    const headers: Array<[string, string]> = [['Host', this.host], ['Content-Type', 'application/json'], ...extra];
    if (s) headers.push(['Cookie', `${SESSION_COOKIE}=${s.cookie}`], ['X-Keyhatch-CSRF', s.csrf]);
    const r = await send(this.target, { method, path: `/admin/api${path}`, headers, ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }) });
    let parsed: unknown;
    try { parsed = JSON.parse(r.text); } catch { parsed = r.text; }
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return { status: r.status, body: parsed, headers: r.headers };
  }

  /** The sign-in dance of the page: double-submit token, then the directory password. */
  private async makeSession(role: Role, slot: number): Promise<Session> {
    const pre = randomBytes(32).toString('base64url');
    const user = SIGN_IN[role];
    const r = await this.api(undefined, 'POST', '/session', { username: user, password: PEOPLE[user] }, [['Cookie', `${PRE_CSRF_COOKIE}=${pre}`], ['X-Keyhatch-CSRF', pre]]);
    const cookie = new RegExp(`${SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(r.headers['set-cookie'] ?? '')?.[1];
    if (!cookie) throw new Error(`sign-in set no session cookie: ${r.headers['set-cookie']}`);
    const s: Session = { cookie, csrf: r.body.csrf as string, at: Date.now() };
    rememberSecret(s.cookie, s.csrf);
    if (slot === 3) return s;
    const alice = (await this.api(s, 'POST', '/users/lookup', { name: 'alice' })).body.ref as string;
    if (slot === 2) {
      for (const name of ['bob', 'grace', 'dave']) await this.api(s, 'POST', '/users/lookup', { name });
      return s;
    }
    await aliceFactor(this.env);
    const mailed = new Set(this.env.mailer.sent);
    await this.api(s, 'POST', `/users/${alice}/verify`, { factorId: ALICE_FACTOR });
    if (slot === 1) return s;
    let code: string | undefined;
    for (let i = 0; i < 200 && !code; i++) {
      code = this.env.mailer.sent.filter((m) => !mailed.has(m) && m.to === ALICE_MAIL).map((m) => /\b(\d{6})\b/.exec(m.text)?.[1]).find((x) => x);
      if (!code) await new Promise((res) => setTimeout(res, 10));
    }
    if (!code) throw new Error('no caller code was mailed');
    const v = await this.api(s, 'POST', `/users/${alice}/verify/confirm`, { code });
    if (v.body.verified !== true) throw new Error(`caller not verified: ${JSON.stringify(v.body)}`);
    return s;
  }

  /** A valid enrollment-portal token of alice: the console must not take it for a session. */
  private async portalToken(): Promise<string> {
    const r = await send(this.target, { method: 'POST', path: '/api/v1/enrollment/login', headers: [['Host', this.host], ['Content-Type', 'application/json']], body: Buffer.from(JSON.stringify({ username: 'alice', password: PEOPLE.alice })) });
    if (r.status !== 200) { this.bearer = undefined; throw new Error(`portal login: ${r.status} ${r.text}`); }
    const t = (JSON.parse(r.text) as { token: string }).token;
    rememberSecret(t);
    return t;
  }

  private device(slot: number): Promise<string> {
    let v = this.devices.get(slot);
    if (!v) {
      v = (async () => {
        const token = await this.env.joinToken();
        return (await this.env.gateway.registry.join({ token, csr: this.csr, name: `fuzz-console-${slot}` }, '127.0.0.1')).deviceId;
      })();
      v.catch(() => this.devices.delete(slot));
      this.devices.set(slot, v);
    }
    return v;
  }
}

/** Made with every dependency healthy; a sign-in gate closed by the fuzz's wrong passwords opens within its one-second window. */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try { return await fn(); } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 1100));
    }
  }
}

/** Alice's confirmed e-mail method on the gateway (a help-desk "reset enrollment" removes it). */
async function aliceFactor(env: FuzzEnv): Promise<void> {
  const store = env.gateway.services.store;
  if (await store.factors.get(ALICE_FACTOR)) return;
  const alice = await env.directory.findUser('alice') as DirectoryUser;
  await store.factors.insert({ id: ALICE_FACTOR, userKey: userKeyOf(alice), type: 'email', hint: 'a***@mail.fuzz.test', confirmed: true, data: { address: ALICE_MAIL }, createdAt: new Date().toISOString() });
}

const live = (kind: string, slot: number) => `\u0000live:${kind}#${slot};`;
const token = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

/** Who the request comes from: mostly a signed-in admin or agent with the right token; else a sign-in page, a stranger, a stale cookie. */
const consoleHeaders: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.constantFrom<Role>('admin', 'admin', 'admin', 'helpdesk'), fc.nat({ max: SLOTS - 1 }), fc.nat({ max: 9 }), fc.nat({ max: SLOTS - 1 }), token).map(([role, slot, how, other, t]): Array<[string, string]> => {
    const cookie: [string, string] = ['Cookie', `${SESSION_COOKIE}=${live(`cookie:${role}`, slot)}`];
    if (how <= 6) return [cookie, ['X-Keyhatch-CSRF', live(`csrf:${role}`, slot)]];
    if (how === 7) return [cookie, ['X-Keyhatch-CSRF', live(`csrf:${role === 'admin' ? 'helpdesk' : 'admin'}`, other)]];
    if (how === 8) return [cookie];
    return [cookie, ['X-Keyhatch-CSRF', t]];
  }) },
  { weight: 3, arbitrary: fc.tuple(token, token, fc.nat({ max: 4 })).map(([a, b, how]): Array<[string, string]> => [['Cookie', `${PRE_CSRF_COOKIE}=${a}`], ['X-Keyhatch-CSRF', how === 0 ? b : a]]) },
  { weight: 1, arbitrary: fc.constant<Array<[string, string]>>([]) },
  { weight: 1, arbitrary: fc.tuple(token, fc.constantFrom('', ' ', 'x', '%00', 'a'.repeat(101), '__proto__')).map(([t, junk]): Array<[string, string]> => [['Cookie', `${SESSION_COOKIE}=${junk || t}`], ['X-Keyhatch-CSRF', t]]) },
);

/** Plausible values for the console's documented filters. */
function queryValue(name: string): fc.Arbitrary<string> {
  const plausible: Record<string, readonly string[]> = {
    action: ['console.lookup', 'console.sign-in', 'recovery.start'], actor: ['console:grace', 'alice'], target: ['alice', 'bob'],
    result: ['success', 'failure', 'refused', 'info', 'ok'], since: ['2026-01-01', '2026-01-01T00:00:00Z', '2026-13-45', '0'], until: ['2099-12-31', '2026-01-01T00:00:00+02:00', 'yesterday'],
    limit: ['1', '50', '500', '5000', '5001', '0', '-1', '1e3', '1.5', 'NaN'], offset: ['0', '10', '10000000', '10000001', '-1', '0x10'],
    directory: ['default', 'other', 'DEFAULT', ''], q: ['', 'staff', 'Keyhatch', '*', '*)(cn=*'], status: ['DISCOVERED', 'ENROLLED', 'LOCKED', 'DISABLED', 'LEAVER', 'x'], search: ['alice', 'a', '%', '_'],
  };
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(plausible[name] ?? ['x'])) }, { weight: 1, arbitrary: fuzzString.map((s) => s.slice(0, 300)) });
}

function documentedQuery(ep: Endpoint): fc.Arbitrary<string> | undefined {
  const names = queryParams(ep.method, ep.path);
  if (names.length === 0) return undefined;
  const pair = fc.constantFrom(...names).chain((n) => queryValue(n).map((v) => `${n}=${pctEncode(v)}`));
  return fc.array(pair, { minLength: 1, maxLength: names.length + 1 }).map((ps) => `?${ps.join('&')}`);
}

describe('fuzz: admin console API on the gateway (signed-in sessions, fake directory with injected failures)', function () {
  let env: FuzzEnv;
  let target: FuzzTarget;
  let pool: ConsolePool;
  before(async function () {
    this.timeout(120_000);
    env = await startFuzzEnv({
      gateway: { adminConsole: { adminGroups: [ADMINS], helpdeskGroups: [HELPDESK], callerVerifiedSeconds: 3600, idleSeconds: 3600 } },
      population: true, memberOf: { grace: [ADMINS], bob: [HELPDESK] },
    });
    await aliceFactor(env);
    const browser = env.targets.gatewayBrowser;
    const host = new URL(env.gateway.url).host;
    const users = await Promise.all(['alice', 'bob', 'grace'].map((n) => env.directory.findUser(n)));
    const refs = [users[0], users[0], users[1], users[2]].map((u) => refOf(u as DirectoryUser));
    const csr = await createCsr((await generateKeyPair()).keys, 'fuzz-console-device');
    pool = new ConsolePool(env, browser, host, refs, csr);
    const shownDns = [/\bDC=fuzz\b/i, /OU=People/i];
    target = {
      ctx: {
        target: browser, directory: env.directory, mailer: env.mailer,
        headerCtx: { host, origin: `https://${host}` },
        bodyCtx: {
          mail: ALICE_MAIL, passwords: Object.values(PEOPLE),
          extra: {
            factorId: [ALICE_FACTOR, 'fuzz-alice-mail', '00000000-0000-4000-8000-000000000000'], name: ['alice', 'bob', 'grace', 'dave', 'nobody', 'FUZZ\\alice', 'alice@fuzz.test', 'Staff'],
            code: ['123456', '000000', '12345', '1234567', ' 123456'], directory: ['default', 'other', 'DEFAULT'], groupId: FAKE_GROUPS.map((g) => g.groupId),
          },
        },
        ...pool.context(),
        paramKind: (_ep, param) => (param === 'id' ? 'device' : 'ref'),
        forbidden: [env.outsideSecret],
        extraHeaders: consoleHeaders,
        query: documentedQuery,
        // Admin pages show configured group DNs and synchronised users' DNs by design.
        shownDirectoryText: (ep) => (/\/admin\/api\/(settings|population\/)/.test(ep.path) ? shownDns : []),
      },
      endpoints: endpoints(),
      alive: async () => {
        const r = await send(browser, { method: 'GET', path: '/admin/api/session', headers: [['Host', host]] });
        assert.equal(r.status, 200, r.text);
      },
    };
  });
  after(async () => {
    if (pool) console.log(`      console sessions made: ${pool.remade}`);
    await env?.close();
  });

  fuzzEndpoints(() => target, endpoints());
});
