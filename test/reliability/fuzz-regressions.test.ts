// What the fuzz runs found, each kept as a plain, fast regression test (issue 13, "Bad input"). The
// fuzz files find such cases at random; these pin each one down on every run of the suite.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusyError, InsufficientAccessError, UnavailableError, UnwillingToPerformError, type Client } from 'ldapts';
import type { CliIo, runCli as RunCli } from '../../daemon/src/cli/main.js';
import { AdPopulationSource } from '../../daemon/src/directory/ad/ad-population-source.js';
import type { AdConnection } from '../../daemon/src/directory/ad/connection.js';
import type { PopulationSession } from '../../daemon/src/directory/population-source.js';
import { ERROR_CATALOGUE, KeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { freshDir } from '../support/run-dir.js';
import { startFuzzEnv, type FuzzEnv } from './fuzz-support/env.js';
import { send, type Target, type WireResponse } from './fuzz-support/wire.js';

function catalogueError(r: WireResponse, code: keyof typeof ERROR_CATALOGUE): void {
  assert.equal(r.status, ERROR_CATALOGUE[code].status, `${r.status} ${r.text}`);
  assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, code);
}

describe('fuzz regressions: HTTP requests the parser or a page refused without a catalogue code', function () {
  this.timeout(120_000);
  let env: FuzzEnv;
  let all: Array<[string, Target]>;
  before(async () => {
    env = await startFuzzEnv();
    all = [['standalone', env.targets.standalone], ['relay', env.targets.relay], ['gateway', env.targets.gatewayDevice]];
  });
  after(async () => { await env?.close(); });
  const host = (t: Target) => new URL(t.url).host;

  it('a Transfer-Encoding node does not support gets BAD_REQUEST in the catalogue shape (was a bare 400)', async () => {
    for (const [name, t] of all) {
      const r = await send(t, { method: 'POST', path: '/api/v1/recovery', headers: [['Host', host(t)], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'gzip']], body: Buffer.from('{}') });
      assert.ok(r.raw);
      catalogueError(r, 'BAD_REQUEST');
      assert.equal(r.headers['cache-control'], 'no-store', name);
    }
  });

  it('a header value with a bare line feed gets BAD_REQUEST in the catalogue shape', async () => {
    for (const [, t] of all) catalogueError(await send(t, { method: 'GET', path: '/api/v1/health', headers: [['Host', host(t)], ['X-Keyhatch-Kiosk', 'a\nb']] }), 'BAD_REQUEST');
  });

  it('a request without Host is refused by the app (BAD_REQUEST), not by node with a bare 400', async () => {
    for (const [, t] of all) catalogueError(await send(t, { method: 'GET', path: '/api/v1/health', headers: [], noHost: true }), 'BAD_REQUEST');
  });

  it('headers larger than node accepts: BAD_REQUEST; to HEAD without a body, so a client can parse it', async () => {
    const t = env.targets.standalone;
    catalogueError(await send(t, { method: 'GET', path: `/api/v1/recovery/${'x'.repeat(20_000)}`, headers: [['Host', host(t)]] }), 'BAD_REQUEST');
    const head = await send(t, { method: 'HEAD', path: `/api/v1/recovery/${'x'.repeat(20_000)}`, headers: [['Host', host(t)]] });
    assert.equal(head.status, 400);
    assert.equal(head.text, '');
  });

  it('a page requested with another method than GET or HEAD: NOT_FOUND, not serve-static\'s bare 405', async () => {
    const t = env.targets.standalone;
    for (const method of ['POST', 'TRACE', 'DELETE']) catalogueError(await send(t, { method, path: '/kiosk/index.html', headers: [['Host', host(t)]] }), 'NOT_FOUND');
  });

  it('the relay answers a body over its limit with PAYLOAD_TOO_LARGE (it reset the connection)', async () => {
    const t = env.targets.relay;
    for (const size of [17_000, 100_000, 1 << 20]) {
      const r = await send(t, { method: 'POST', path: '/api/v1/recovery', headers: [['Host', host(t)], ['X-Keyhatch-Kiosk', env.relay.kioskSecret], ['Content-Type', 'application/json']], body: Buffer.from(JSON.stringify({ username: 'A'.repeat(size) })) });
      catalogueError(r, 'PAYLOAD_TOO_LARGE');
    }
    assert.equal((await send(t, { method: 'GET', path: '/api/v1/health', headers: [['Host', host(t)]] })).status, 200, 'the relay still answers');
  });

  it('a page whose answer started before the body failed to parse is finished, not cut off', async () => {
    const t = env.targets.relay;
    const r = await send(t, { method: 'GET', path: '/kiosk/index.html', headers: [['Host', host(t)], ['Transfer-Encoding', 'identity']] });
    assert.ok(!r.closedWithoutAnswer, 'an answer arrived');
    assert.ok(r.status === 200 || r.status === 400, String(r.status));
  });
});

describe('fuzz regressions: keyhatch command-line inputs that surfaced as INTERNAL', function () {
  this.timeout(60_000);
  let runCli: typeof RunCli;
  let dir: string;
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    let err = '';
    const io: CliIo = { stdout: () => undefined, stderr: (s) => { err += `${s}\n`; }, readStdin: async () => '', env: { PATH: process.env.PATH, ...env } };
    return { code: await runCli(argv, io), err };
  };
  before(async () => {
    ({ runCli } = await import('../../daemon/src/cli/main.js'));
    dir = freshDir('fuzz-cli-regress');
    mkdirSync(dir, { recursive: true });
  });

  it('a config file nested thousands of levels deep: CONFIG_INVALID (exit 2), not a stack overflow', async () => {
    const file = join(dir, 'deep.json');
    writeFileSync(file, `{"dataDir":"/tmp","x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, { mode: 0o600 });
    const r = await run(['--config', file, 'device', 'list']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^keyhatch: CONFIG_INVALID: .*nested more than 32 levels/);
  });

  it('gateway init into a directory that already holds a CA: a clear usage error (exit 2)', async () => {
    const out = join(dir, 'tls');
    assert.equal((await run(['gateway', 'init', '--out', out, '--names', 'localhost'])).code, 0);
    const again = await run(['gateway', 'init', '--out', out, '--names', 'localhost']);
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, /^keyhatch: BAD_REQUEST: .*already exists/);
  });

  it('gateway init into a path the system cannot create (name too long): a clear usage error (exit 2), not INTERNAL', async () => {
    const r = await run(['gateway', 'init', '--out', join(dir, '%C3%A9'.repeat(60)), '--names', 'localhost']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^keyhatch: BAD_REQUEST: cannot write the site CA into .*ENAMETOOLONG/);
  });

  it('"toString" or "constructor" as a command is an unknown command (exit 2), not Object.prototype called as a handler', async () => {
    for (const word of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      const r = await run([word]);
      assert.equal(r.code, 2, `${word}: ${String(r.code)} ${r.err}`);
      assert.match(r.err, /^keyhatch: unknown command/);
    }
  });

  it('an option without its value does not swallow the next option, so a token is never echoed as a command', async () => {
    const token = 'Sx9-never-echoed-Q7';
    for (const argv of [['--config', '--token', token], ['join', '--gateway', '--token', token], ['--token', '--token', token]]) {
      const r = await run(argv);
      assert.equal(r.code, 2, r.err);
      assert.ok(!r.err.includes(token), r.err);
      assert.match(r.err, /^keyhatch: --\w+ needs a (value|file name)/);
    }
  });

  it('kiosk-account where there is no native addon: OPERATION_UNSUPPORTED, not INTERNAL', async function () {
    if (process.platform === 'win32') this.skip(); // on Windows it does the real thing (test/native)
    const r = await run(['kiosk-account', 'status'], { KEYHATCH_DATA_DIR: dir });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^keyhatch: OPERATION_UNSUPPORTED: kiosk-account runs on Windows only/);
  });
});

describe('fuzz regressions: the AD population source failed with raw LDAP errors (console group search answered INTERNAL)', function () {
  /** The real source over a service connection whose every search fails with `err` (or answers nothing). */
  const sourceFailingWith = (err: Error | undefined) => {
    const client = {
      search: async () => { if (err) throw err; return { searchEntries: [], searchReferences: [] }; },
      searchPaginated: async function* () { if (err) throw err; yield { searchEntries: [], searchReferences: [] }; },
    } as unknown as Client;
    const conn = { withService: <T>(fn: (c: Client) => Promise<T>) => fn(client) } as unknown as AdConnection;
    return new AdPopulationSource({ directoryId: 'default', baseDn: 'OU=People,DC=fuzz,DC=test', conn });
  };
  const dsid = 'LdapErr: DSID-0C0907B7, comment: server busy, data 0, v4563';

  it('a search the DC refuses or cannot serve is a catalogue dependency error without the DC\'s text', async () => {
    const errors = [new BusyError(`00002024: ${dsid}`), new UnavailableError(`00000000: ${dsid}`), new UnwillingToPerformError(`00002035: ${dsid}`),
      new InsufficientAccessError(`00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0 on CN=x,OU=People,DC=fuzz,DC=test`),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })];
    for (const raw of errors) {
      const source = sourceFailingWith(raw);
      const calls: Array<(s: PopulationSession) => Promise<unknown>> = [(s) => s.searchGroups('staff', 10), (s) => s.position()];
      for (const call of calls) {
        const err = await source.session(call).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof KeyhatchError, `${raw.constructor.name}: ${String(err)}`);
        assert.ok(ERROR_CATALOGUE[err.code].status >= 500 && err.code !== 'INTERNAL', `${raw.constructor.name} became ${err.code}`);
        assert.doesNotMatch(err.message, /DSID|LdapErr|ECONNRESET|DC=fuzz/);
      }
    }
  });

  it('what the caller\'s own page callback throws (the store) passes through unchanged, not relabelled as the directory', async () => {
    const diskFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const err = await sourceFailingWith(undefined).session((s) => s.allUsers(async () => { throw diskFull; })).then(() => undefined, (e: unknown) => e);
    assert.equal(err, diskFull);
  });
});
