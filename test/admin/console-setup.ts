// A gateway with the admin console against the shared Samba domain and an SMTP catcher: an admin
// group reached through a nested group, a help-desk group, a caller with an e-mail address and an
// authenticator app enrolled on the portal, and a cookie-keeping HTTPS client per browser-less agent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { validateConfig } from '../../daemon/src/config/load.js';
import { initSiteCa } from '../../daemon/src/gateway/site-ca.js';
import { startGateway, type RunningGateway } from '../../daemon/src/roles/gateway.js';
import { logDir } from '../../daemon/src/core/core-services.js';
import { adConfig } from '../support/ad-env.js';
import { DomainAdmin } from '../support/domain-admin.js';
import type { TestDomain } from '../support/global-domain.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import type { SmtpCatcher } from '../support/smtp-catcher.js';
import { httpsJson } from '../support/https-json.js';

export interface Reply { status: number; body: any; headers: Record<string, string | string[] | undefined>; text: string }

/** One agent's browser, minus the browser: keeps cookies, sends the CSRF token it was given. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;
  constructor(readonly base: string, private readonly ca: string) {}

  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = request(`${this.base}/admin/api${path}`, {
        method, ca: this.ca, agent: false,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
          ...(cookie ? { cookie } : {}), ...(this.csrf && method !== 'GET' ? { 'x-keyhatch-csrf': this.csrf } : {}), ...headers,
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const sc of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
            const [pair] = sc.split(';');
            const eq = (pair ?? '').indexOf('=');
            const name = (pair ?? '').slice(0, eq);
            const value = (pair ?? '').slice(eq + 1);
            if (/Max-Age=0/.test(sc) || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try { parsed = text ? JSON.parse(text) : undefined; } catch { /* CSV, HTML */ }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers, text });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** GET /session (the page load), then sign in with the token it handed out. */
  async signIn(username: string, password: string): Promise<Reply> {
    const pre = await this.call('GET', '/session');
    this.csrf = pre.body.csrf as string;
    const r = await this.call('POST', '/session', { username, password });
    if (r.status === 200) { this.csrf = r.body.csrf as string; rememberSecret(this.csrf); }
    for (const v of this.cookies.values()) rememberSecret(v);
    return r;
  }
}

/** The gateway's audit trail as parsed lines, and a wait for the first line matching `pred`. */
export function auditTrail(w: { gw: RunningGateway }) {
  const events = (): Array<Record<string, any>> => readFileSync(join(logDir(w.gw.core.config), 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  const audited = async (pred: (e: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> => {
    for (let i = 0; i < 100; i++) {
      const e = events().find(pred);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`no audit event: ${what}`);
  };
  return { events, audited };
}

export interface ConsoleWorld {
  gw: RunningGateway;
  ca: string;
  admin: DomainAdmin;
  groups: { admins: string; itOps: string; helpdesk: string };
  users: Record<'kadmin' | 'agent' | 'plain' | 'caller' | 'caller2', { name: string; dn: string; password: string; mail: string }>;
  totp: OTPAuth.TOTP;
  offset: { ms: number };
  client(): ConsoleClient;
  close(): Promise<void>;
}

/** `p` keeps names apart between test files sharing one domain. */
export interface ConsoleWorldOptions {
  adminUiDir?: string;
  uiDir?: string;
  /** Another name the gateway answers to (its certificate and http.allowedHosts), e.g. its Kerberos host name. */
  hostName?: string;
  /** adminConsole.negotiate (single sign-on). */
  negotiate?: { keytabFile: string; servicePrincipal: string };
}

export async function consoleWorld(d: TestDomain, smtp: SmtpCatcher, p: string, opts: ConsoleWorldOptions = {}): Promise<ConsoleWorld> {
  const admin = await DomainAdmin.connect(d.dc);
  const groupsOu = d.seed.groupsOu;
  const groups = { admins: `CN=${p} Keyhatch Admins,${groupsOu}`, itOps: `CN=${p} IT Ops,${groupsOu}`, helpdesk: `CN=${p} Keyhatch Helpdesk,${groupsOu}` };
  await admin.addGroup(groups.admins, `${p}-kh-admins`);
  await admin.addGroup(groups.itOps, `${p}-it-ops`);
  await admin.addGroup(groups.helpdesk, `${p}-kh-helpdesk`);
  await admin.addMember(groups.admins, groups.itOps);
  const mk = async (name: string, displayName: string) => {
    const password = `${name[0]?.toUpperCase()}${name.slice(1)}-Pass-2026!`;
    const mail = `${name}@mail.keyhatch.test`;
    rememberSecret(password);
    const dn = await admin.addUser({ name, password, displayName, mail }, d.seed.peopleOu);
    return { name, dn, password, mail };
  };
  const users = {
    kadmin: await mk(`${p}kadmin`, 'Kim Admin'),
    agent: await mk(`${p}agent`, 'Hal Desk'),
    plain: await mk(`${p}plain`, 'Pat Plain'),
    caller: await mk(`${p}caller`, 'Cleo Caller'),
    caller2: await mk(`${p}caller2`, 'Tom Totp'),
  };
  await admin.addMember(groups.itOps, users.kadmin.dn);
  await admin.addMember(groups.helpdesk, users.agent.dn);

  const dir = freshDir('console-gateway');
  const site = await initSiteCa(join(dir, 'tls'), ['localhost', '127.0.0.1', ...(opts.hostName ? [opts.hostName] : [])]);
  const ca = readFileSync(site.caFile, 'utf8');
  const base = JSON.parse(JSON.stringify(adConfig(d, {}, dir)));
  const offset = { ms: 0 };
  const gw = await startGateway(validateConfig({
    ...base, role: 'gateway', listen: '127.0.0.1:0', smtp: smtp.config, tls: { certFile: site.certFile, keyFile: site.keyFile },
    adminConsole: { adminGroups: [groups.admins], helpdeskGroups: [groups.helpdesk], callerVerifiedSeconds: 120, idleSeconds: 900, ...(opts.negotiate ? { negotiate: opts.negotiate } : {}) },
    ...(opts.hostName ? { http: { ...base.http, allowedHosts: [...(base.http?.allowedHosts ?? []), opts.hostName] } } : {}),
  }), { now: () => Date.now() + offset.ms, ...(opts.adminUiDir ? { adminUiDir: opts.adminUiDir } : {}), ...(opts.uiDir ? { uiDir: opts.uiDir } : {}) });

  // The callers enroll on the portal, as they would themselves.
  const portal = async (u: { name: string; password: string }) => {
    const login = await httpsJson('POST', `${gw.url}/api/v1/enrollment/login`, { username: u.name, password: u.password }, { ca });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    rememberSecret(login.body.token);
    return { authorization: `Bearer ${login.body.token as string}` };
  };
  const auth1 = await portal(users.caller);
  const add = await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/email`, { address: users.caller.mail }, { ca }, auth1);
  assert.equal(add.status, 201, JSON.stringify(add.body));
  const { match } = await smtp.waitFor(users.caller.mail, /code is (\d{6})/);
  rememberSecret(match[1] as string);
  assert.equal((await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/${add.body.factorId as string}/confirm`, { code: match[1] }, { ca }, auth1)).status, 200);
  const auth2 = await portal(users.caller2);
  const t = await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/totp`, {}, { ca }, auth2);
  rememberSecret(t.body.secret);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(t.body.secret as string) });
  assert.equal((await httpsJson('POST', `${gw.url}/api/v1/enrollment/factors/${t.body.factorId as string}/confirm`, { code: totp.generate({ timestamp: Date.now() - 30_000 }) }, { ca }, auth2)).status, 200);

  return {
    gw, ca, admin, groups, users, totp, offset,
    client: () => new ConsoleClient(gw.url, ca),
    async close() { await gw.close(); await admin.close(); },
  };
}
