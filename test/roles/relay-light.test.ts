// The relay runs on every workstation: its module graph must not contain the directory, the store,
// password hashing, express, winston or the schema library (zod) — no npm package at all. A child
// process runs `keyhatch serve` in the relay role with a loader hook that records every module
// resolved, and the list is checked here (the time it saves is measured in bench/relay.bench.ts). The
// npm entry runs that path as one bundled file (scripts/bundle-relay.ts, which fails the build on the
// same kinds of intruder); the last test checks it loads nothing else.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO } from '../support/cli.js';
import { freePort } from '../support/free-port.js';

const FORBIDDEN: ReadonlyArray<[string, RegExp]> = [
  ['LDAP client (ldapts)', /\/node_modules\/ldapts\//],
  ['Entra client (@azure/msal-node)', /\/node_modules\/@azure\/msal/],
  ['SQLite (better-sqlite3)', /\/node_modules\/better-sqlite3\//],
  ['PostgreSQL (pg)', /\/node_modules\/pg(-[a-z]+)?\//],
  ['argon2', /\/node_modules\/argon2\//],
  ['express', /\/node_modules\/express\//],
  ['winston', /\/node_modules\/winston\//],
  ['nodemailer', /\/node_modules\/nodemailer\//],
  ['X.509 generation (@peculiar/x509)', /\/node_modules\/@peculiar\//],
  // The config schema costs more start-up time than the whole relay: config/relay-config.ts checks
  // the relay's few settings by hand (and hands anything else to the schema, which then loads).
  ['schema library (zod)', /\/node_modules\/zod\//],
  ['config schema', /\/daemon\/src\/config\/(schema|load)\.ts$/],
  // Config validation parses directory names (pure string functions, no I/O, no dependency); every
  // other module of the directory layer — backends, connections, routing — is forbidden.
  ['directory layer', /\/daemon\/src\/directory\/(?!routing\/directory-names\.ts$|ad\/ldap-escape\.ts$)/],
  ['store', /\/daemon\/src\/store\//],
  ['recovery service', /\/daemon\/src\/recovery\//],
  ['factors', /\/daemon\/src\/factors\//],
  ['notifications', /\/daemon\/src\/notify\//],
  ['gateway', /\/daemon\/src\/gateway\//],
  ['composition of the other roles', /\/daemon\/src\/(main|server|serve)\.ts$|\/daemon\/src\/roles\/(gateway|standalone|gateway-parts)\.ts$/],
  // The rest of the CLI: its commands reach all of the above (cli/relay-first.ts starts the relay without it).
  ['whole CLI', /\/daemon\/src\/cli\/main\.ts$/],
];

describe('relay lightness (module graph of the relay role)', function () {
  this.timeout(120_000);
  let modules: string[] = [];

  before(() => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/module-recorder.mjs', 'test/support/relay-modules-child.ts'], { cwd: REPO, encoding: 'utf8', timeout: 100_000 });
    assert.equal(r.status, 0, `relay child failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { code: number; health: { status: string }; modules: string[] };
    assert.equal(out.health.status, 'unavailable', 'an unjoined relay says it is unavailable');
    assert.equal(out.code, 0, 'keyhatch serve stopped cleanly on SIGTERM');
    modules = out.modules;
  });

  it('the recorder sees the relay\'s own modules (so an empty list cannot pass)', () => {
    for (const own of ['/daemon/src/cli/relay-first.ts', '/daemon/src/serve-loop.ts', '/daemon/src/roles/relay.ts', '/daemon/src/relay/gateway-client.ts', '/daemon/src/relay/relay-http.ts', '/daemon/src/config/relay-config.ts']) {
      assert.ok(modules.some((m) => m.endsWith(own)), `${own} not recorded`);
    }
  });

  it('loads no npm package at all (node built-ins and its own modules only)', () => {
    const packages = [...new Set(modules.filter((m) => m.includes('/node_modules/') && !/\/node_modules\/tsx\//.test(m) && !/\/node_modules\/(get-tsconfig|esbuild|resolve-pkg-maps)\//.test(m))
      .map((m) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1]))];
    assert.deepEqual(packages, []);
  });

  for (const [what, pattern] of FORBIDDEN) {
    it(`loads no ${what}`, () => {
      assert.deepEqual(modules.filter((m) => pattern.test(m)), []);
    });
  }
});

describe('relay lightness (the npm entry, bin/keyhatch.js)', function () {
  this.timeout(120_000);

  it('starts the relay from one bundled file: no other file of dist/, no npm package', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyhatch-relay-entry-'));
    const out = join(dir, 'modules.json');
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', './test/support/module-recorder.mjs', 'bin/keyhatch.js', 'serve'], {
      cwd: REPO, stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '', MODULE_RECORDER_OUT: out, KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: join(dir, 'data'), KEYHATCH_LISTEN: `127.0.0.1:${port}` },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let health: { status?: string; role?: string } | undefined;
    for (let i = 0; i < 1500 && health === undefined && child.exitCode === null; i++) {
      try { health = await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json() as typeof health; } catch { await new Promise((r) => setTimeout(r, 20)); }
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'keyhatch serve stopped cleanly on SIGTERM');
    assert.deepEqual(health && { status: health.status, role: health.role }, { status: 'unavailable', role: 'relay' });
    const files = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((u) => !u.startsWith('node:'))
      .map((u) => path.relative(REPO, fileURLToPath(u)).split(path.sep).join('/'));
    assert.deepEqual(files.sort(), ['bin/keyhatch.js', 'dist/daemon/src/cli/relay-first.bundle.js'].sort());
  });
});
