// A throwaway Samba AD domain controller on a loopback address, for tests, the demo and benchmarks.
// Several can run at once: each gets its own 127.0.0.x, its own directories and its own TLS CA.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile, readFile, chmod } from 'node:fs/promises';
import { existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { explainProvisionFailure } from './samba-provision-error.js';

const run = promisify(execFile);

export interface SambaDomainOptions {
  /** Loopback address the DC binds (127.0.0.x); added to `lo` when missing. */
  address?: string;
  realm?: string;
  netbios?: string;
  hostName?: string;
  adminPassword?: string;
  /** Parent directory for the domain's files (a fresh temp dir by default). */
  dir?: string;
}

/** Samba needs seconds when idle but minutes on a busy 2-core machine; a hang still fails. */
const START_TIMEOUT_MS = 300_000;

const REQUIRED_COMMANDS = ['samba', 'samba-tool', 'kinit', 'openssl', 'ip'];

/** Throws a message that says how to get what is missing (tests must not skip silently). */
export async function requireSambaTools(): Promise<void> {
  const missing: string[] = [];
  for (const cmd of REQUIRED_COMMANDS) {
    try { await run('sh', ['-c', `command -v ${cmd}`]); } catch { missing.push(cmd); }
  }
  if (missing.length > 0) {
    throw new Error(`Samba AD DC tools missing (${missing.join(', ')}): run "bash scripts/install-system-deps.sh ad" ` +
      '(installs samba, samba-ad-dc, samba-ad-provision, krb5-user, ldap-utils with apt; needs root)');
  }
}

export class SambaDomain {
  readonly address: string;
  readonly realm: string;
  readonly netbios: string;
  readonly dnsDomain: string;
  readonly baseDn: string;
  readonly hostFqdn: string;
  readonly adminPassword: string;
  readonly dir: string;
  private child: ChildProcess | undefined;

  private constructor(opts: Required<SambaDomainOptions>) {
    this.address = opts.address;
    this.realm = opts.realm.toUpperCase();
    this.netbios = opts.netbios.toUpperCase();
    this.dnsDomain = opts.realm.toLowerCase();
    this.baseDn = this.dnsDomain.split('.').map((p) => `DC=${p}`).join(',');
    this.hostFqdn = `${opts.hostName}.${this.dnsDomain}`;
    this.adminPassword = opts.adminPassword;
    this.dir = opts.dir;
  }

  get ldapsUrl(): string { return `ldaps://${this.address}:636`; }
  get ldapUrl(): string { return `ldap://${this.address}:389`; }
  get caFile(): string { return join(this.dir, 'tls', 'ca.pem'); }
  get krb5Conf(): string { return join(this.dir, 'krb5.conf'); }
  get smbConf(): string { return join(this.dir, 'dc', 'etc', 'smb.conf'); }
  get logFile(): string { return join(this.dir, 'samba.log'); }
  get adminUpn(): string { return `Administrator@${this.dnsDomain}`; }

  /** Provisions, starts and waits for LDAPS. */
  static async create(options: SambaDomainOptions = {}): Promise<SambaDomain> {
    await requireSambaTools();
    const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'keyhatch-dc-'));
    const domain = new SambaDomain({
      address: options.address ?? '127.0.0.11',
      realm: options.realm ?? 'KEYHATCH.TEST',
      netbios: options.netbios ?? 'KEYHATCH',
      hostName: options.hostName ?? 'dc1',
      adminPassword: options.adminPassword ?? 'Adm1n!Passw0rd-Throwaway',
      dir,
    });
    try {
      await domain.ensureLoopbackAddress();
      await domain.makeCertificates();
      await domain.provision();
      await domain.writeKrb5Conf();
      await domain.start();
    } catch (err) {
      await domain.destroy();
      throw err;
    }
    return domain;
  }

  private async ensureLoopbackAddress(): Promise<void> {
    const { stdout } = await run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
    if (stdout.includes(` ${this.address}/`)) return;
    await run('ip', ['addr', 'add', `${this.address}/32`, 'dev', 'lo']);
  }

  /** A CA of its own and a DC certificate with the host name and the address as SANs, like a real enterprise CA would issue. */
  private async makeCertificates(): Promise<void> {
    const t = join(this.dir, 'tls');
    await mkdir(t, { recursive: true });
    const o = (f: string) => join(t, f);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=Keyhatch Test CA ${this.address}`,
      '-keyout', o('ca.key'), '-out', o('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${this.hostFqdn}`, '-keyout', o('key.pem'), '-out', o('dc.csr')]);
    await writeFile(o('ext.cnf'), `subjectAltName=DNS:${this.hostFqdn},IP:${this.address}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    await run('openssl', ['x509', '-req', '-in', o('dc.csr'), '-CA', o('ca.pem'), '-CAkey', o('ca.key'), '-CAcreateserial', '-days', '2',
      '-extfile', o('ext.cnf'), '-out', o('cert.pem')]);
    await chmod(o('key.pem'), 0o600);
  }

  private async provision(): Promise<void> {
    const d = join(this.dir, 'dc');
    const opt = (s: string) => `--option=${s}`;
    const tlsDir = join(this.dir, 'tls');
    const args = ['domain', 'provision', `--realm=${this.realm}`, `--domain=${this.netbios}`, '--server-role=dc',
      '--dns-backend=NONE', `--adminpass=${this.adminPassword}`, `--targetdir=${d}`, `--host-name=${this.hostFqdn.split('.')[0]}`,
      opt(`interfaces=${this.address}`), opt('bind interfaces only=yes'), opt(`pid directory=${d}/pid`),
      opt(`ncalrpc dir=${d}/ncalrpc`), opt(`winbindd socket directory=${d}/winbindd`), opt(`log file=${d}/log.%m`),
      opt('server services=ldap,cldap,kdc'), opt('tls enabled=yes'), opt(`tls keyfile=${tlsDir}/key.pem`),
      opt(`tls certfile=${tlsDir}/cert.pem`), opt(`tls cafile=${tlsDir}/ca.pem`)];
    try {
      await run('samba-tool', args, { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      // execFile's own message repeats the command line (with --adminpass): build ours from the output only.
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      // eslint-disable-next-line preserve-caught-error -- the cause's message holds the admin password
      throw new Error(explainProvisionFailure(`${stdout}\n${stderr}`).message);
    }
  }

  private async writeKrb5Conf(): Promise<void> {
    await writeFile(this.krb5Conf, [
      '[libdefaults]', `  default_realm = ${this.realm}`, '  dns_lookup_kdc = false', '  dns_lookup_realm = false', '  rdns = false',
      '  udp_preference_limit = 0', '[realms]', `  ${this.realm} = {`, `    kdc = ${this.address}`, `    admin_server = ${this.address}`,
      `    kpasswd_server = ${this.address}`, '  }', '[domain_realm]', `  .${this.dnsDomain} = ${this.realm}`, `  ${this.dnsDomain} = ${this.realm}`, '',
    ].join('\n'));
  }

  private async start(): Promise<void> {
    const log = createWriteStream(this.logFile);
    const child = spawn('samba', ['-i', '-M', 'single', '-s', this.smbConf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    let exited = false;
    child.once('exit', () => { exited = true; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`samba exited during start-up:\n${await this.logTail()}`);
      if (await this.ldapsAnswers()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`LDAPS on ${this.address}:636 did not answer within ${START_TIMEOUT_MS / 1000} s:\n${await this.logTail()}`);
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-15).join('\n');
  }

  private async ldapsAnswers(): Promise<boolean> {
    const ca = await readFile(this.caFile);
    return new Promise((resolve) => {
      const socket = tls.connect({ host: this.address, port: 636, ca, servername: this.hostFqdn }, () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
      socket.setTimeout(1000, () => { socket.destroy(); resolve(false); });
    });
  }

  /** samba-tool against the running DC over ldap:// (sign+seal), as Administrator. */
  async sambaTool(args: string[]): Promise<string> {
    const { stdout } = await run('samba-tool', [...args, '-H', this.ldapUrl, `-U${this.netbios}\\Administrator%${this.adminPassword}`,
      `--option=realm=${this.realm}`, `--option=workgroup=${this.netbios}`], { env: { ...process.env, KRB5_CONFIG: this.krb5Conf } });
    return stdout;
  }

  /** Proves a password the way a real sign-in would: a Kerberos AS exchange with the DC's KDC. */
  async kinit(user: string, password: string): Promise<{ ok: boolean; message: string }> {
    const ccache = join(this.dir, `cc-${process.pid}-${Math.random().toString(36).slice(2)}`);
    return new Promise((resolve) => {
      const child = spawn('kinit', [`${user}@${this.realm}`], {
        env: { ...process.env, KRB5_CONFIG: this.krb5Conf, KRB5CCNAME: `FILE:${ccache}`, LANG: 'C' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
      child.on('exit', (code) => {
        void rm(ccache, { force: true });
        resolve({ ok: code === 0, message: out.trim().replace(/Password for \S+:\s*/g, '') });
      });
      child.stdin.end(`${password}\n`);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    // A child killed by a signal (Ctrl-C reaches the whole process group) has signalCode, not exitCode.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); }, 5000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (existsSync(this.dir)) await rm(this.dir, { recursive: true, force: true });
  }
}
