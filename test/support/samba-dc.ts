// A throwaway Samba AD domain controller on a loopback address, for tests, the demo and benchmarks.
// Several can run at once: each gets its own 127.0.0.x, its own directories and its own TLS CA.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile, readFile, chmod, copyFile, rename } from 'node:fs/promises';
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
  /**
   * Lets other DCs join and replicate (adds the RPC services DRSUAPI needs to `server services`);
   * off by default, where the DC runs only what Keyhatch talks to (ldap, cldap, kdc).
   */
  replication?: boolean;
  /**
   * The database under sam.ldb (default tdb, Samba's default). `mdb` (LMDB) has ordered indexes, so a
   * range filter like `(uSNChanged>=n)` is answered from the index as on Windows, where tdb scans
   * every object: the discovery bench's 100,000-user DC uses it.
   */
  backendStore?: 'tdb' | 'mdb';
}

/** Samba needs seconds when idle but minutes on a busy 2-core machine; a hang still fails. */
const START_TIMEOUT_MS = 300_000;

/** What a DC that others join and replicate with runs: DRSUAPI is served by `rpc`, pulls and notifications by `drepl`. */
const REPLICATION_SERVICES = 'ldap,cldap,kdc,rpc,drepl';

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
  readonly replication: boolean;
  private child: ChildProcess | undefined;

  private constructor(opts: Required<Omit<SambaDomainOptions, 'backendStore'>>) {
    this.address = opts.address;
    this.realm = opts.realm.toUpperCase();
    this.netbios = opts.netbios.toUpperCase();
    this.dnsDomain = opts.realm.toLowerCase();
    this.baseDn = this.dnsDomain.split('.').map((p) => `DC=${p}`).join(',');
    this.hostFqdn = `${opts.hostName}.${this.dnsDomain}`;
    this.adminPassword = opts.adminPassword;
    this.dir = opts.dir;
    this.replication = opts.replication;
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
      replication: options.replication ?? false,
    });
    try {
      await domain.ensureLoopbackAddress();
      await domain.makeCertificates();
      await domain.provision(options.backendStore ?? 'tdb');
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

  /** smb.conf settings that keep this instance apart from every other DC on the machine. */
  private instanceOptions(): string[] {
    const d = join(this.dir, 'dc');
    const opt = (s: string) => `--option=${s}`;
    const tlsDir = join(this.dir, 'tls');
    return [
      opt(`interfaces=${this.address}`), opt('bind interfaces only=yes'), opt(`pid directory=${d}/pid`),
      opt(`ncalrpc dir=${d}/ncalrpc`), opt(`winbindd socket directory=${d}/winbindd`), opt(`log file=${d}/log.%m`),
      opt(`server services=${this.replication ? REPLICATION_SERVICES : 'ldap,cldap,kdc'}`), opt('tls enabled=yes'), opt(`tls keyfile=${tlsDir}/key.pem`),
      opt(`tls certfile=${tlsDir}/cert.pem`), opt(`tls cafile=${tlsDir}/ca.pem`)];
  }

  private async provision(backendStore: 'tdb' | 'mdb'): Promise<void> {
    const d = join(this.dir, 'dc');
    const args = ['domain', 'provision', `--realm=${this.realm}`, `--domain=${this.netbios}`, '--server-role=dc', `--backend-store=${backendStore}`,
      '--dns-backend=NONE', `--adminpass=${this.adminPassword}`, `--targetdir=${d}`, `--host-name=${this.hostFqdn.split('.')[0]}`,
      ...this.instanceOptions()];
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
      `    kpasswd_server = ${this.address}`, '  }',
      // Samba's replication asks for the DRS SPN ("E3514235-…/<guid>/<domain>") in the lower-case DNS realm.
      ...(this.replication ? [`  ${this.dnsDomain} = {`, `    kdc = ${this.address}`, '  }'] : []),
      '[domain_realm]', `  .${this.dnsDomain} = ${this.realm}`, `  ${this.dnsDomain} = ${this.realm}`, '',
    ].join('\n'));
  }

  private async start(): Promise<void> {
    const log = createWriteStream(this.logFile);
    // A replicating DC gets Kerberos tickets for its partner from its own KDC: in the `single` process
    // model that request waits on the very process that must answer it, so it uses `prefork`.
    const child = spawn('samba', ['-i', '-M', this.replication ? 'prefork' : 'single', '-s', this.smbConf], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.replication ? { env: { ...process.env, KRB5_CONFIG: this.krb5Conf } } : {}),
    });
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

  // ---- a loaded DC kept for later runs (benchmarks seed 100,000 users once per machine) ------

  /**
   * Packs this stopped DC's database and settings into a tar file that restore() brings back on this
   * machine. TLS material is left out (restore() issues new certificates); written to a temp name
   * and renamed, so an interrupted archive never looks complete.
   */
  async archive(file: string): Promise<void> {
    if (this.child) throw new Error(`archive: stop the DC on ${this.address} first`);
    const manifest: ArchiveManifest = { realm: this.realm, netbios: this.netbios, hostName: this.hostFqdn.split('.')[0] as string,
      adminPassword: this.adminPassword, replication: this.replication, dir: this.dir, address: this.address };
    await writeFile(join(this.dir, ARCHIVE_MANIFEST), JSON.stringify(manifest));
    // The pid file and the LDAPI sockets belong to the stopped process (tar would skip sockets with a warning).
    await run('tar', ['-C', this.dir, '--exclude=dc/pid', '--exclude=ldapi', '-cf', `${file}.tmp`, ARCHIVE_MANIFEST, 'dc']);
    await rename(`${file}.tmp`, file);
  }

  /**
   * A DC from an archive(): unpacked into a fresh directory, its smb.conf pointed at that directory
   * and at `options.address`, with a new CA and certificate for that address, started.
   */
  static async restore(file: string, options: Pick<SambaDomainOptions, 'address' | 'dir'> = {}): Promise<SambaDomain> {
    await requireSambaTools();
    const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'keyhatch-dc-'));
    let domain: SambaDomain | undefined;
    try {
      await run('tar', ['-C', dir, '-xf', file]);
      const m = JSON.parse(await readFile(join(dir, ARCHIVE_MANIFEST), 'utf8')) as ArchiveManifest;
      domain = new SambaDomain({ ...m, address: options.address ?? m.address, dir });
      const conf = (await readFile(domain.smbConf, 'utf8')).replaceAll(`${m.dir}/`, `${dir}/`)
        .replace(/^(\s*interfaces\s*=).*$/m, `$1 ${domain.address}`);
      await writeFile(domain.smbConf, conf);
      await domain.ensureLoopbackAddress();
      await domain.makeCertificates();
      await domain.writeKrb5Conf();
      await domain.start();
    } catch (err) {
      if (domain) await domain.destroy();
      else await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return domain;
  }

  // ---- several DCs of one domain (replication, failover) -------------------------------------

  /**
   * Joins another DC to this domain (`samba-tool domain join … DC`) on its own loopback address, with
   * its own directories, Kerberos config and an LDAPS certificate from this domain's CA (so one
   * caFile trusts both), starts it and waits for LDAPS. Replication then runs by itself: this DC
   * notifies the new one of each change and the new one pulls it. Needs `replication: true` here.
   */
  async joinDc(options: JoinDcOptions): Promise<SambaDomain> {
    if (!this.replication) throw new Error('joinDc: create the first DC with { replication: true } (it must serve DRSUAPI)');
    const dc = new SambaDomain({
      address: options.address, realm: this.realm, netbios: this.netbios, hostName: options.hostName ?? 'dc2',
      adminPassword: this.adminPassword, dir: options.dir ?? await mkdtemp(join(tmpdir(), 'keyhatch-dc-')), replication: true,
    });
    try {
      await dc.ensureLoopbackAddress();
      await dc.makeCertificateFrom(this);
      await this.addReplicationSpns();
      await dc.join(this);
      await dc.writeKrb5Conf();
      // No DNS here: each side's replication link names its partner by address, not <NTDS GUID>._msdcs.<forest>.
      // Rewritten while each DC is down: a running one keeps its links in memory and writes them back.
      await dc.pointReplicationLinks({ [await this.ntdsGuid()]: this.address });
      await this.stop();
      await this.pointReplicationLinks({ [await dc.ntdsGuid()]: dc.address });
      await this.restart();
      await dc.start();
    } catch (err) {
      await dc.destroy();
      throw err;
    }
    return dc;
  }

  /**
   * Crashes the DC the hard way: SIGKILL to samba and every process it started (samba -i leads its
   * own process group), like a power cut. Resolves once the root process is gone; `restart()` brings it back.
   */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    await gone;
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) every process of the DC: a frozen DC neither answers nor
   * replicates, so a test can keep a change from reaching it before the partner that has it dies.
   */
  freeze(frozen: boolean): void {
    if (!this.child?.pid) throw new Error(`the DC on ${this.address} is not running`);
    process.kill(-this.child.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Starts the DC again over the same database after stop() or kill() and waits for LDAPS. */
  async restart(): Promise<void> {
    if (this.child) throw new Error(`the DC on ${this.address} is still running`);
    // A killed samba leaves its pid file; the earlier run's log is kept beside the new one.
    await rm(join(this.dir, 'dc', 'pid', 'samba.pid'), { force: true });
    await rename(this.logFile, `${this.logFile}.${Date.now()}`).catch(() => undefined);
    await this.start();
  }

  /**
   * Pulls `nc` (the domain partition by default) from `source` into this DC right now, from this DC's
   * own database (`samba-tool drs replicate --local`) — for changes this DC was not told about, e.g.
   * those made while it was down (nothing here runs the KCC, so it has no standing link to pull from).
   */
  async replicateFrom(source: SambaDomain, nc = this.baseDn): Promise<string> {
    try {
      const { stdout } = await run('samba-tool', ['drs', 'replicate', this.hostFqdn, source.address, nc, '--local', '-s', this.smbConf,
        `-U${this.netbios}\\Administrator%${this.adminPassword}`], { env: { ...process.env, KRB5_CONFIG: this.krb5Conf } });
      // The pull rewrites the link with the DNS name, which nothing here resolves.
      await this.pointReplicationLinks({ [await source.ntdsGuid()]: source.address });
      return stdout.trim();
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      // eslint-disable-next-line preserve-caught-error -- the cause's message holds the admin password
      throw new Error(`drs replicate from ${source.address} to ${this.address} failed: ${`${stdout}\n${stderr}`.trim().split('\n').slice(-5).join('\n')}`);
    }
  }

  /** objectGUID of this DC's NTDS Settings object (its identity in replication). */
  async ntdsGuid(): Promise<string> {
    return (await this.samdbScript(['ntds-guid'])).trim();
  }

  /** The new DC's LDAPS certificate, issued by the first DC's CA. */
  private async makeCertificateFrom(first: SambaDomain): Promise<void> {
    const t = join(this.dir, 'tls');
    await mkdir(t, { recursive: true });
    const o = (f: string) => join(t, f);
    const ca = join(first.dir, 'tls');
    await copyFile(first.caFile, o('ca.pem'));
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${this.hostFqdn}`, '-keyout', o('key.pem'), '-out', o('dc.csr')]);
    await writeFile(o('ext.cnf'), `subjectAltName=DNS:${this.hostFqdn},IP:${this.address}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    await run('openssl', ['x509', '-req', '-in', o('dc.csr'), '-CA', join(ca, 'ca.pem'), '-CAkey', join(ca, 'ca.key'), '-CAcreateserial', '-days', '2',
      '-extfile', o('ext.cnf'), '-out', o('cert.pem')]);
    await chmod(o('key.pem'), 0o600);
  }

  /**
   * A partner's replication asks this DC's KDC for the DRS SPN (E3514235-…/<NTDS GUID>/<domain>) and
   * the GC SPN. A join registers them for the new DC; for a provisioned one the `dnsupdate` service
   * would (samba_spnupdate), which these DCs do not run.
   */
  private async addReplicationSpns(): Promise<void> {
    const account = `${this.hostFqdn.split('.')[0]!.toUpperCase()}$`;
    const have = (await this.sambaTool(['spn', 'list', account])).toLowerCase();
    for (const spn of [`E3514235-4B06-11D1-AB04-00C04FC2DCD2/${await this.ntdsGuid()}/${this.dnsDomain}`, `GC/${this.hostFqdn}/${this.dnsDomain}`]) {
      if (!have.includes(spn.toLowerCase())) await this.sambaTool(['spn', 'add', spn, account]);
    }
  }

  private async join(first: SambaDomain): Promise<void> {
    const args = ['domain', 'join', this.dnsDomain, 'DC', `--server=${first.address}`, `-U${this.netbios}\\Administrator%${this.adminPassword}`,
      `--targetdir=${join(this.dir, 'dc')}`, '--dns-backend=NONE', `--option=netbios name=${this.hostFqdn.split('.')[0]!.toUpperCase()}`,
      `--option=realm=${this.realm}`, `--option=workgroup=${this.netbios}`,
      // Pulls also run on a short timer, not only when the partner notifies: after the partner was
      // killed, the first pull a notification starts fails on the dead connection (then 300 s by default).
      '--option=dreplsrv:periodic_interval=15', ...this.instanceOptions()];
    try {
      await run('samba-tool', args, { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      // As for provision: execFile's message repeats the command line, which holds the password.
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      // eslint-disable-next-line preserve-caught-error -- the cause's message holds the admin password
      throw new Error(`samba-tool domain join on ${this.address} failed:\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`);
    }
  }

  /** Rewrites the repsFrom/repsTo links (in this DC's own database) to partners by NTDS GUID → address. */
  private async pointReplicationLinks(addresses: Record<string, string>): Promise<void> {
    await this.samdbScript(['links', ...Object.entries(addresses).map(([guid, address]) => `${guid}=${address}`)]);
  }

  /** Samba's Python bindings on this DC's local database (safe while samba runs: ldb locks). */
  private async samdbScript(args: string[]): Promise<string> {
    const [command, ...rest] = args;
    const { stdout } = await run(SAMBA_PYTHON, ['-c', SAMDB_SCRIPT, command as string, this.smbConf, ...rest]);
    return stdout;
  }
}

const ARCHIVE_MANIFEST = 'domain.json';

/** What restore() needs to know about an archived DC besides its files. */
interface ArchiveManifest {
  realm: string;
  netbios: string;
  hostName: string;
  adminPassword: string;
  replication: boolean;
  /** Where it lived: smb.conf names its directories by absolute path. */
  dir: string;
  address: string;
}

export interface JoinDcOptions {
  /** Loopback address of the new DC (127.0.0.x); added to `lo` when missing. */
  address: string;
  /** Default `dc2`. */
  hostName?: string;
  /** Parent directory for its files (a fresh temp dir by default). */
  dir?: string;
}

/** The interpreter samba-tool runs under (Debian's), which has Samba's bindings. */
const SAMBA_PYTHON = '/usr/bin/python3';

const SAMDB_SCRIPT = `
import sys, ldb
from samba.param import LoadParm
from samba.samdb import SamDB
from samba.auth import system_session
from samba.ndr import ndr_unpack, ndr_pack
from samba.dcerpc import drsblobs
command, conf = sys.argv[1], sys.argv[2]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
if command == 'ntds-guid':
    print(db.get_ntds_GUID())
elif command == 'links':
    where = dict(a.split('=', 1) for a in sys.argv[3:])
    for nc in db.search(base='', scope=ldb.SCOPE_BASE, attrs=['namingContexts'])[0]['namingContexts']:
        msg = db.search(base=str(nc), scope=ldb.SCOPE_BASE, attrs=['repsFrom', 'repsTo'])[0]
        for attr in ('repsFrom', 'repsTo'):
            values, changed = [], False
            for v in msg.get(attr, []):
                blob = ndr_unpack(drsblobs.repsFromToBlob, v)
                address = where.get(str(blob.ctr.source_dsa_obj_guid))
                if address and blob.version == 1 and blob.ctr.other_info.dns_name != address:
                    blob.ctr.other_info.dns_name = address
                    changed = True
                values.append(ndr_pack(blob))
            if changed:
                m = ldb.Message()
                m.dn = msg.dn
                m[attr] = ldb.MessageElement(values, ldb.FLAG_MOD_REPLACE, attr)
                db.modify(m)
else:
    sys.exit('unknown command ' + command)
`;
