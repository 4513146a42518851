// A throwaway PostgreSQL server for tests and benchmarks, from Debian's `postgresql` package:
// initdb in a temp dir, listening on 127.0.0.1 and a free port (unix socket in the same temp dir),
// password (SCRAM) authentication, run as the `postgres` system user because the server refuses
// root. One server per test run (testPostgres()), one fresh database per caller (createDatabase()).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { rememberSecret } from './run-dir.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export const POSTGRES_MISSING = 'PostgreSQL server not found: run `bash scripts/install-system-deps.sh postgres` (installs Debian\'s postgresql)';

/** The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl; throws how to get it. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const m of majors) {
    const bin = join(root, m, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(POSTGRES_MISSING);
}

export class PostgresServer {
  private stopped = false;
  private readonly exitHook = (): void => this.stopSync();
  // Killed runs (timeout, Ctrl-C) emit no 'exit': stop the server, then die of the same signal
  // unless someone else handles it (their handler decides how the process ends).
  private readonly signalHook = (signal: NodeJS.Signals): void => {
    this.stopSync();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private constructor(
    readonly dir: string,
    readonly host: string,
    readonly port: number,
    readonly user: string,
    readonly password: string,
    private readonly bin: string,
    private readonly asUser: string | undefined,
  ) {
    process.once('exit', this.exitHook);
    process.once('SIGINT', this.signalHook);
    process.once('SIGTERM', this.signalHook);
  }

  /** Starts a new server; throws POSTGRES_MISSING when Debian's postgresql is not installed. */
  static async start(opts: { host?: string; durable?: boolean } = {}): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const host = opts.host ?? '127.0.0.1';
    // The server refuses to run as root: as root we drop to the package's `postgres` user.
    const asUser = userInfo().uid === 0 ? 'postgres' : undefined;
    const dir = await mkdtemp(join(tmpdir(), 'keyhatch-pg-'));
    const password = randomBytes(18).toString('base64url');
    rememberSecret(password);
    const user = 'keyhatch';
    try {
      if (asUser) {
        const { stdout } = await run('id', ['-u', asUser]).catch((err: unknown) => { throw new Error(`${POSTGRES_MISSING} (no "${asUser}" system user)`, { cause: err }); });
        const { stdout: gid } = await run('id', ['-g', asUser]);
        await chown(dir, Number(stdout.trim()), Number(gid.trim()));
      }
      await chmod(dir, 0o700);
      const pwfile = join(dir, 'pw');
      await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
      if (asUser) await run('chown', [asUser, pwfile]);
      const server = new PostgresServer(dir, host, await freePort(host), user, password, bin, asUser);
      await server.exec('initdb', ['-D', join(dir, 'data'), '-U', user, `--pwfile=${pwfile}`, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256',
        '-E', 'UTF8', '--locale=C', '--no-sync']);
      await rm(pwfile);
      // Throwaway data: no fsync (durable: a crash test wants every commit to survive a killed server).
      // Enough connections for several pools at once.
      server.options = `-h ${host} -p ${server.port} -k ${dir} ${opts.durable ? '' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off '}-c max_connections=200`;
      await server.startAgain();
      return server;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private options = '';

  /**
   * pg_ctl start over the existing data directory (after crash() or a stop). After a crash the old
   * backends hold the shared memory until they notice their postmaster died; until then a new
   * postmaster refuses to start, so this tries again for up to a minute.
   */
  async startAgain(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'server.log'), '-o', this.options, '-w', '-t', '60', 'start']);
        return;
      } catch (err) {
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** SIGKILL to the postmaster (what the OOM killer does); waits until it is gone. Returns its pid. */
  async crash(): Promise<number> {
    const pid = Number((await readFile(join(this.dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 600; i++) {
      try { process.kill(pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    return pid;
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [cmd, argv] = this.asUser ? ['runuser', ['-u', this.asUser, '--', join(this.bin, tool), ...args]] : [join(this.bin, tool), args];
    try {
      await run(cmd, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (err) {
      const log = await readFile(join(this.dir, 'server.log'), 'utf8').catch(() => '');
      throw new Error(`${tool} failed: ${(err as Error).message}\n${log.slice(-2000)}`, { cause: err });
    }
  }

  /** Connection URL for `database` (password included: tests only; it is a remembered secret). */
  url(database = 'postgres'): string {
    return `postgres://${this.user}:${encodeURIComponent(this.password)}@${this.host}:${this.port}/${database}`;
  }

  /** Creates a fresh, empty database and returns its URL. */
  async createDatabase(prefix = 'keyhatch'): Promise<string> {
    const name = `${prefix}_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.removeHooks();
    await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the process exits without stop(): no server may outlive the run. */
  private removeHooks(): void {
    process.removeListener('exit', this.exitHook);
    process.removeListener('SIGINT', this.signalHook);
    process.removeListener('SIGTERM', this.signalHook);
  }

  private stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.removeHooks();
    const ctl = join(this.bin, 'pg_ctl');
    const args = ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop'];
    try { execFileSync(this.asUser ? 'runuser' : ctl, this.asUser ? ['-u', this.asUser, '--', ctl, ...args] : args, { stdio: 'ignore' }); } catch { /* already gone */ }
    try { execFileSync('rm', ['-rf', this.dir]); } catch { /* best effort */ }
  }
}

// One server per run, shared through globalThis (mocha may load this module twice: require and import).
const KEY = Symbol.for('keyhatch.test.postgres');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= { shared: undefined }) as { shared: Promise<PostgresServer> | undefined };

/** The run's PostgreSQL server, started by the first caller; stopped by stopTestPostgres() or at exit. */
export function testPostgres(): Promise<PostgresServer> {
  slot.shared ??= PostgresServer.start();
  return slot.shared;
}

/** A fresh database on the run's server: the URL to give openStore / PostgresStore.open. */
export async function testDatabaseUrl(prefix?: string): Promise<string> {
  return (await testPostgres()).createDatabase(prefix);
}

export async function stopTestPostgres(): Promise<void> {
  const s = slot.shared;
  slot.shared = undefined;
  await (await s?.catch(() => undefined))?.stop();
}
