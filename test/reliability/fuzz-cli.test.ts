// Property-based fuzzing of the `keyhatch` command line (issue 13, "Bad input"), in-process through
// runCli with captured output: for every command, KEYHATCH_FUZZ_RUNS argument vectors (mutated
// command words, names with Unicode edge cases, unknown and repeated options, options without
// values, hostile config files, secrets on stdin and in --token). Properties: runCli always returns
// 0, 1 or 2 within the hang limit and never lets an unexpected exception through (no INTERNAL, no
// stack trace); a failure prints one clear "keyhatch: …" line and exits non-zero; bad usage exits 2;
// no secret given on stdin or in --token is ever echoed.
//
// The directory is a real LDAPS URL on a closed loopback port (DIRECTORY_UNAVAILABLE for anything
// that gets that far): a name is parsed and refused before any connection when it is malformed.
// Everything runs in a scratch working directory; paths the fuzz writes to stay inside it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../daemon/src/cli/args.js';
import type { CliIo, runCli as RunCli } from '../../daemon/src/cli/main.js';
import { freshDir } from '../support/run-dir.js';
import { EDGE_STRINGS, fuzzString, pctEncode } from './fuzz-support/arbitraries.js';
import { HANG_MS as HTTP_HANG_MS } from './fuzz-support/wire.js';

/** doctor makes a dozen network checks, each with its own timeout: twice the HTTP hang detector. */
const HANG_MS = 2 * HTTP_HANG_MS;
import { fcParams, prototypeSnapshot, RUNS } from './fuzz-support/http-fuzz.js';

/** Every command in the contract (CONTRACTS.md) and in runCli; `serve` is fuzzed only up to its configuration (it runs until stopped). */
const COMMANDS = ['doctor', 'user show', 'unlock', 'reset', 'policy show', 'helpdesk code', 'secret set', 'kiosk-account', 'preflight', 'serve',
  'gateway init', 'device token create', 'device list', 'device revoke', 'join'] as const;

const STACK = /\n\s+at \S|node:internal|\.[cm]?[jt]s:\d+:\d+/;

interface Files { dir: string; standalone: string; gateway: string; relay: string; broken: string[]; }

function configs(): Files {
  const dir = freshDir('fuzz-cli');
  const write = (name: string, content: unknown, mode = 0o600) => {
    const f = join(dir, name);
    writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content), { mode });
    return f;
  };
  // A closed port: every directory call fails fast as DIRECTORY_UNAVAILABLE.
  const ad = { urls: ['ldaps://127.0.0.1:1'], baseDn: 'DC=fuzz,DC=test', bindDn: 'CN=svc,DC=fuzz,DC=test', bindPassword: 'Fuzz-Bind-Pw-9!', connectTimeoutMs: 500, timeoutMs: 1000 };
  // `serve` with a valid configuration would run: its listen address is one that cannot be bound.
  const standalone = write('standalone.json', { dataDir: join(dir, 'data-standalone'), listen: '203.0.113.1:7788', ad });
  const gateway = write('gateway.json', { role: 'gateway', dataDir: join(dir, 'data-gateway'), listen: '203.0.113.1:7789', ad, tls: { certFile: join(dir, 'nope.crt'), keyFile: join(dir, 'nope.key') } });
  const relay = write('relay.json', { role: 'relay', dataDir: join(dir, 'data-relay'), listen: '203.0.113.1:7790' });
  mkdirSync(join(dir, 'a-directory'), { recursive: true });
  const broken = [
    write('empty.json', ''), write('not-json.json', '{"dataDir":'), write('array.json', '[]'), write('null.json', 'null'),
    write('wrong-types.json', { dataDir: 5, listen: [], ad: 'x', rateLimits: { attempts: -1 } }), write('unknown-key.json', { dataDir: dir, bogus: true }),
    write('proto.json', '{"dataDir":"/tmp","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
    write('deep.json', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`), write('nul.json', '{"dataDir":"a\u0000b"}'),
    write('bad-url.json', { dataDir: join(dir, 'd2'), ad: { ...ad, urls: ['http://x'] } }), write('relay-with-ad.json', { role: 'relay', dataDir: join(dir, 'd3'), ad }),
    write('readable-secret.json', { dataDir: join(dir, 'd4'), ad }, 0o644), join(dir, 'a-directory'), join(dir, 'missing.json'),
  ];
  return { dir, standalone, gateway, relay, broken };
}

interface CliCase { argv: string[]; stdin: string; env: 'standalone' | 'gateway' | 'relay' | 'none'; secrets: string[] }

/**
 * Secrets carry a prefix no other generated text has, so an echo cannot be a coincidence. Long enough
 * that random strings never hold it: with 'Sx9' a 2,000-character random option did, once in 10,000 cases.
 */
const SECRET_PREFIX = 'Sx9kQ2vZr7Lm';
const secret = fc.oneof(fc.string({ minLength: 4, maxLength: 40 }), fc.constantFrom(...EDGE_STRINGS.filter((s) => s.length >= 2 && s.length < 300)))
  .map((s) => `${SECRET_PREFIX}${s.replace(/[\r\n]/g, '')}Q7`);

function caseFor(command: string, files: Files): fc.Arbitrary<CliCase> {
  const words = command.split(' ');
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('alice', 'FUZZ\\alice', 'alice@fuzz.test', 'dev_abc', 'ensure', 'status', 'disable', 'ad-bind-password', 'smtp-password', 'sms-webhook-secret') },
    { weight: 4, arbitrary: fuzzString.map((s) => s.slice(0, 5000)) },
  );
  const commandWords = fc.oneof(
    { weight: 12, arbitrary: fc.constant(words) },
    { weight: 1, arbitrary: fc.constant(words.map((w) => w.toUpperCase())) },
    { weight: 1, arbitrary: fc.constant(words.slice(0, -1)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant(words), name).map(([w, n]) => [...w.slice(0, -1), n]) },
  );
  const safePath = fuzzString.map((s) => join(files.dir, 'out', pctEncode(s.slice(0, 60)) || 'x'));
  const configPath = fc.oneof(fc.constantFrom(files.standalone, files.gateway, files.relay, ...files.broken), safePath);
  // Option values that cannot reach outside the scratch directory or the loopback interface.
  const gatewayUrl = fc.oneof(fc.constantFrom('https://127.0.0.1:1', 'https://[::1]:1', 'http://127.0.0.1:1', 'https://127.0.0.1:99999', 'ftp://x', 'https://', 'https://user:pw@127.0.0.1:1/x?y#z'),
    fuzzString.filter((s) => !s.includes('://')));
  const option = fc.oneof(
    fc.tuple(fc.constant('--config'), configPath),
    fc.tuple(fc.constantFrom('--uses', '--expires', '--names', '--pin', '--name', '--domain'), fc.oneof(fuzzString, fc.constantFrom('1', '0', '-1', '100001', '1.5', '7d', '30m', '366d', '0d', '1e3', 'sha256/' + 'A'.repeat(43) + '=', 'localhost,127.0.0.1', ',,,'))),
    fc.tuple(fc.constant('--out'), safePath),
    fc.tuple(fc.constant('--gateway'), gatewayUrl),
    fc.tuple(fc.constant('--token'), secret),
  ).chain(([n, v]) => fc.constantFrom([n, v], [`${n}=${v}`], [n], [`${n}=`]));
  const flag = fc.oneof(fc.constantFrom('--password-stdin', '--token-stdin', '--help', '-h', '--version', '--json', '-', '--', '-x', '--unknown', '---', '--config='), fuzzString.filter((s) => s.startsWith('-')).map((s) => s.slice(0, 100)));
  const extra = fc.array(fc.oneof({ weight: 3, arbitrary: name.map((n) => [n]) }, { weight: 3, arbitrary: option }, { weight: 2, arbitrary: flag.map((f) => [f]) }), { maxLength: 5 });
  return fc.record({
    words: commandWords, args: extra, before: fc.array(option, { maxLength: 1 }),
    stdin: fc.oneof({ weight: 3, arbitrary: secret.map((s) => `${s}\n`) }, { weight: 1, arbitrary: fc.constantFrom('', '\n', '\r\n', ' ', '\u0000') }, { weight: 1, arbitrary: fuzzString }),
    env: fc.constantFrom<CliCase['env']>('standalone', 'standalone', 'gateway', 'relay', 'none'),
  }).map(({ words: w, args, before, stdin, env }) => {
    const argv = [...before.flat(), ...w, ...args.flat()];
    const secrets = [...(stdin.startsWith(SECRET_PREFIX) ? [stdin.trimEnd()] : []), ...argv.flatMap((a) => (a.includes(SECRET_PREFIX) ? [a.slice(a.indexOf(SECRET_PREFIX))] : []))];
    return { argv, stdin, env, secrets };
  });
}

/** Loaded with import(), as bin/keyhatch.js does, so the CLI's own dynamic imports share its module instances. */
let runCli: typeof RunCli;

async function run(c: CliCase, files: Files): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '';
  let err = '';
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, KEYHATCH_DATA_DIR: join(files.dir, 'data-env') };
  if (c.env !== 'none') env.KEYHATCH_CONFIG = files[c.env];
  const io: CliIo = { stdout: (s) => { out += `${s}\n`; }, stderr: (s) => { err += `${s}\n`; }, readStdin: async () => c.stdin, env };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    runCli(c.argv, io),
    new Promise<number>((_r, reject) => { timer = setTimeout(() => reject(new Error(`hang: keyhatch ${c.argv.join(' ').slice(0, 200)} did not return within ${HANG_MS} ms`)), HANG_MS); }),
  ]).finally(() => clearTimeout(timer));
  return { code, out, err, ms: performance.now() - started };
}

function judge(c: CliCase, r: { code: number; out: string; err: string }): string | undefined {
  if (![0, 1, 2].includes(r.code)) return `exit code ${r.code}`;
  const all = r.out + r.err;
  if (/keyhatch: INTERNAL/.test(r.err)) return `an unexpected exception reached the top: ${r.err.slice(0, 300)}`;
  if (STACK.test(all) && !STACK.test(c.argv.join(' ') + c.stdin)) return `a stack trace in the output: ${all.slice(0, 300)}`;
  for (const s of c.secrets) if (all.includes(s)) return `a secret was echoed: ${s.slice(0, 6)}…`;
  if (r.code !== 0 && !/^keyhatch: \S/.test(r.err) && !/^(usage:|FAIL|ok )/m.test(r.out)) return `exit ${r.code} without a clear error line: ${JSON.stringify(r.err.slice(0, 200))}`;
  let usageError = false;
  try { parseArgs(c.argv); } catch (e) { usageError = e instanceof UsageError; }
  if (usageError && r.code !== 2) return `bad usage answered with exit ${r.code}`;
  return undefined;
}

describe('fuzz: keyhatch command line (in-process; a closed LDAPS port as the directory)', function () {
  let files: Files;
  let cwd: string;
  const timings: string[] = [];
  before(async () => {
    ({ runCli } = await import('../../daemon/src/cli/main.js'));
    files = configs();
    cwd = process.cwd();
    mkdirSync(join(files.dir, 'cwd'), { recursive: true });
    process.chdir(join(files.dir, 'cwd')); // relative paths a case names land in the scratch directory
  });
  // Each command loads its modules on first use; on a busy machine that first compile takes tens of
  // seconds, which the hang detector must not mistake for a hang. Load them all once, untimed.
  before(async function () {
    this.timeout(900_000);
    for (const command of COMMANDS) {
      if (command === 'serve' || command === 'gateway init') continue;
      await runCli([...command.split(' '), 'alice'], { stdout: () => undefined, stderr: () => undefined, readStdin: async () => 'x\n', env: { PATH: process.env.PATH, KEYHATCH_CONFIG: files.standalone } });
    }
    await Promise.all([import('../../daemon/src/serve.js'), import('../../daemon/src/roles/relay.js'), import('../../daemon/src/roles/gateway.js'), import('../../daemon/src/gateway/site-ca.js')]);
  });
  after(() => {
    process.chdir(cwd);
    console.log(`      fuzz: ${RUNS} cases per command\n${timings.map((t) => `        ${t}`).join('\n')}`);
  });

  for (const command of COMMANDS) {
    it(`keyhatch ${command}: ${RUNS} argument vectors, exit 0/1/2 with a clear error, no uncaught exception, no secret echoed`, async function () {
      this.timeout(120_000 + RUNS * 200);
      const before = prototypeSnapshot();
      const codes: Record<number, number> = {};
      let slowest = 0;
      const started = Date.now();
      await fc.assert(fc.asyncProperty(caseFor(command, files), async (c) => {
        const r = await run(c, files);
        codes[r.code] = (codes[r.code] ?? 0) + 1;
        slowest = Math.max(slowest, r.ms);
        const why = judge(c, r);
        if (why) throw new Error(`keyhatch ${JSON.stringify(c.argv).slice(0, 400)} (env ${c.env}): ${why}\nstderr: ${r.err.slice(0, 400)}`);
      }), fcParams() as unknown as fc.Parameters<[CliCase]>);
      timings.push(`${command}: ${((Date.now() - started) / 1000).toFixed(1)} s, slowest ${slowest.toFixed(0)} ms, exit codes ${JSON.stringify(codes)}`);
      assert.equal(prototypeSnapshot(), before, 'a prototype changed during the run');
    });
  }
});
