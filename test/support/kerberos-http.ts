// Real Kerberos for HTTP single sign-on tests against the Samba DC: a service account holding the
// gateway's HTTP SPNs with its keytab exported by samba-tool, user credential caches from kinit, and
// real Negotiate tokens from curl's GSS-API (MIT krb5), captured by a local listener.
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainAdmin } from './domain-admin.js';
import { freshDir, rememberSecret } from './run-dir.js';
import type { SambaDomain } from './samba-dc.js';

const run = promisify(execFile);

/** curl must speak SPNEGO through GSS-API (Debian's does); fails, never skips, saying how to get it. */
export async function requireCurlNegotiate(): Promise<void> {
  const { stdout } = await run('curl', ['-V']).catch(() => ({ stdout: '' }));
  if (!/\bGSS-API\b/.test(stdout) || !/\bSPNEGO\b/.test(stdout)) {
    throw new Error('curl with GSS-API and SPNEGO is missing: run "bash scripts/install-system-deps.sh ad" (installs Debian\'s curl, krb5-user, libgssapi-krb5-2)');
  }
}

export interface KerberosClientEnv { KRB5_CONFIG: string; KRB5CCNAME: string }

/** The DC's krb5.conf, without DNS canonicalisation (the test host names resolve only through --resolve / host rules). */
export async function clientKrb5Conf(dc: SambaDomain): Promise<string> {
  const file = join(freshDir('krb5'), 'krb5.conf');
  const text = (await readFile(dc.krb5Conf, 'utf8')).replace('[libdefaults]', '[libdefaults]\n  dns_canonicalize_hostname = false');
  await writeFile(file, text);
  return file;
}

/**
 * A service account with `spns` (AES only: msDS-SupportedEncryptionTypes = 24) and its keytab for
 * `spns[0]`, exported from the DC's own database like an admin would (`samba-tool domain exportkeytab`).
 */
export async function httpServiceAccount(dc: SambaDomain, admin: DomainAdmin, ou: string, name: string, spns: string[]): Promise<{ dn: string; keytabFile: string; klist: string }> {
  const password = `Svc-${name}-Kt-2026!`;
  rememberSecret(password);
  const dn = await admin.addUser({ name, password, displayName: name }, ou);
  await admin.replace(dn, 'servicePrincipalName', ...spns);
  await admin.replace(dn, 'msDS-SupportedEncryptionTypes', '24');
  const keytabFile = join(freshDir('keytab'), 'http.keytab');
  await run('samba-tool', ['domain', 'exportkeytab', keytabFile, `--principal=${spns[0] as string}`, '-s', dc.smbConf], { env: { ...process.env, KRB5_CONFIG: dc.krb5Conf } });
  const { stdout: klist } = await run('klist', ['-k', '-e', keytabFile]);
  return { dn, keytabFile, klist };
}

/** kinit into a credential cache of its own (the password on stdin, never on a command line). */
export async function kinitCache(dc: SambaDomain, krb5Conf: string, user: string, password: string): Promise<KerberosClientEnv> {
  const env = { KRB5_CONFIG: krb5Conf, KRB5CCNAME: `FILE:${join(freshDir('ccache'), 'cc')}` };
  await new Promise<void>((resolve, reject) => {
    const child = spawn('kinit', [`${user}@${dc.realm}`], { env: { ...process.env, ...env, LANG: 'C' }, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kinit ${user}: ${err.trim()}`))));
    child.stdin.end(`${password}\n`);
  });
  return env;
}

/**
 * A real Negotiate token for HTTP/`host`, as curl (GSS-API, SPNEGO) sends it: curl asks a local
 * listener that challenges with `WWW-Authenticate: Negotiate`, and the listener keeps what comes back.
 */
export async function negotiateToken(env: KerberosClientEnv, host: string): Promise<string> {
  let token: string | undefined;
  const server = createServer((req, res) => {
    const m = /^Negotiate (\S+)$/.exec(req.headers.authorization ?? '');
    if (m) { token = m[1]; res.writeHead(200).end('ok'); return; }
    res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    await run('curl', ['-s', '-o', '/dev/null', '--negotiate', '-u', ':', '--resolve', `${host}:${port}:127.0.0.1`, `http://${host}:${port}/`], { env: { ...process.env, ...env } });
  } finally {
    server.close();
  }
  if (!token) throw new Error(`curl sent no Negotiate token for HTTP/${host}`);
  rememberSecret(token);
  return token;
}

/** curl --negotiate against the gateway itself, end to end (CSRF double submit, the gateway's own challenge). */
export async function curlNegotiateSignIn(env: KerberosClientEnv, url: string, host: string, ca: string, csrf: { cookie: string; token: string }): Promise<{ status: number; body: any }> {
  const u = new URL(url);
  const caFile = join(freshDir('curl-ca'), 'ca.pem');
  await writeFile(caFile, ca);
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', '--negotiate', '-u', ':', '--cacert', caFile, '--resolve', `${host}:${u.port}:127.0.0.1`,
    '-H', 'content-type: application/json', '-H', `x-keyhatch-csrf: ${csrf.token}`, '-b', csrf.cookie, '-d', '{}', `https://${host}:${u.port}/admin/api/session/negotiate`], { env: { ...process.env, ...env } });
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n') || 'null') };
}
