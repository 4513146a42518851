// The demo behind `npm run demo`: the organisation topology on one machine — a throwaway Samba AD
// domain with demo users, a gateway (HTTPS with a private site CA made by `keyhatch gateway init`;
// the portal, and the recovery + relay API behind mutual TLS), one workstation relay joined with a
// token and the CA pin (the kiosk talks to it on loopback, it forwards to the gateway), and a real
// SMTP server (STARTTLS) whose mails are printed as they arrive. See scripts/demo-topology.ts.
//   maria — e-mail and authenticator app enrolled (through the portal API); not locked: reset journey
//   tom   — e-mail enrolled, then locked out by bad binds: unlock journey (and a help-desk code)
// Environment: KEYHATCH_DEMO_PORT (relay, default 7788), KEYHATCH_DEMO_GATEWAY_PORT (default 8443),
// KEYHATCH_DEMO_DC_ADDRESS (default 127.0.0.20).
import * as OTPAuth from 'otpauth';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKioskUi } from '../kiosk-ui/build.js';
import { userKeyOf } from '../daemon/src/directory/directory.js';
import { startDemoTopology, type DemoTopology } from './demo-topology.js';
import { httpsJson } from '../test/support/https-json.js';
import { SambaDomain } from '../test/support/samba-dc.js';
import { seedDomain } from '../test/support/seed.js';
import { DomainAdmin } from '../test/support/domain-admin.js';
import { startSmtpCatcher, type SmtpCatcher } from '../test/support/smtp-catcher.js';

const port = Number(process.env.KEYHATCH_DEMO_PORT ?? 7788);
const gatewayPort = Number(process.env.KEYHATCH_DEMO_GATEWAY_PORT ?? 8443);
const dcAddress = process.env.KEYHATCH_DEMO_DC_ADDRESS ?? '127.0.0.20';
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`• ${s}`);

const maria = { name: 'maria', password: 'Demo-Maria-2026!', display: 'Maria Garcia', mail: 'maria@mail.keyhatch.test' };
const tom = { name: 'tom', password: 'Demo-Tom-2026!', display: 'Tom Becker', mail: 'tom@mail.keyhatch.test' };

let dc: SambaDomain | undefined;
let smtp: SmtpCatcher | undefined;
let topology: DemoTopology | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping the demo…');
    await topology?.close().catch(() => undefined);
    await smtp?.close().catch(() => undefined);
    await dc?.destroy().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/** The portal's API on the gateway, over HTTPS trusting the site CA (as a browser that imported it). */
async function api(method: string, path: string, body?: unknown, token?: string): Promise<Record<string, string>> {
  const t = topology!;
  const res = await httpsJson(method, `${t.gatewayUrl}/api/v1${path}`, method === 'POST' && body === undefined ? {} : body, { ca: readFileSync(t.caFile, 'utf8') },
    token ? { authorization: `Bearer ${token}` } : {});
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body ?? {}) as Record<string, string>;
}

/** Enrolls e-mail (confirmed with the code the SMTP catcher caught) and optionally TOTP. */
async function enroll(u: typeof maria, withTotp: boolean): Promise<string | undefined> {
  const { token } = await api('POST', '/enrollment/login', { username: u.name, password: u.password });
  const before = smtp!.messages().length;
  const { factorId } = await api('POST', '/enrollment/factors/email', { address: u.mail }, token);
  const { match } = await smtp!.waitFor(u.mail, /code is (\d{6})/, 15_000, before);
  await api('POST', `/enrollment/factors/${factorId}/confirm`, { code: match[1] }, token);
  let secret: string | undefined;
  if (withTotp) {
    const t = await api('POST', '/enrollment/factors/totp', undefined, token);
    secret = t.secret ?? '';
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();
    await api('POST', `/enrollment/factors/${t.factorId}/confirm`, { code }, token);
  }
  await api('POST', '/enrollment/logout', undefined, token);
  return secret;
}

async function main(): Promise<void> {
  console.log(bold('Keyhatch demo'));
  step('building the kiosk and the portal');
  await buildKioskUi();

  step(`provisioning a throwaway AD domain (Samba) on ${dcAddress}`);
  dc = await SambaDomain.create({ address: dcAddress });
  const seed = await seedDomain(dc);
  const admin = await DomainAdmin.connect(dc);
  const dns: Record<string, string> = {};
  for (const u of [maria, tom]) dns[u.name] = await admin.addUser({ name: u.name, password: u.password, displayName: u.display, mail: u.mail }, seed.peopleOu);

  step('starting the SMTP catcher (STARTTLS)');
  smtp = await startSmtpCatcher();
  step('gateway: keyhatch gateway init (site CA + server certificate), service password into its secret store, serve over HTTPS');
  step('workstation: keyhatch device token create on the gateway, keyhatch join --token-stdin --pin on the workstation, then its relay');
  topology = await startDemoTopology({
    dir: mkdtempSync(join(tmpdir(), 'keyhatch-demo-')),
    ad: { urls: [dc.ldapsUrl], baseDn: seed.peopleOu, bindDn: seed.service.upn, caFile: dc.caFile, bannedWords: ['keyhatch'] },
    bindPassword: seed.service.password, smtp: smtp.config, gatewayPort, relayPort: port,
    gatewayExtra: { rateLimits: { attempts: 20 } },
  });
  const t = topology;
  if (!(await t.relay.available())) throw new Error(`the relay cannot reach the gateway: ${JSON.stringify(t.relay.status())}`);

  step('enrolling maria (e-mail + authenticator app) and tom (e-mail) through the real API');
  const totpSecret = await enroll(maria, true);
  await enroll(tom, false);
  step('locking tom out with bad passwords (like someone guessing at the logon screen)');
  await admin.lockOut(dns.tom!);
  await admin.close();
  const tomUser = await t.gateway.core.directory.findUser(tom.name);
  const helpdesk = tomUser ? await t.gateway.services.helpdesk.issue(userKeyOf(tomUser)).catch(() => undefined) : undefined;

  const shownMails = smtp.messages().length;
  console.log(`
${bold('Topology')}   browser ─HTTPS─▶ gateway ${t.gatewayUrl} ─LDAPS─▶ ${dc.dnsDomain} (${dcAddress})
           kiosk ─loopback─▶ relay ${t.relay.url} (device ${t.relay.identity?.deviceId}) ─mutual TLS─▶ gateway

${bold('Open in a browser on this machine')} (use "localhost": security keys need a domain name)
  Kiosk, through the relay (what the logon screen shows):  ${t.kioskUrl}
  Enrollment portal, on the gateway:                       ${t.portalUrl}
    The gateway's certificate comes from the demo's private site CA: import ${t.caFile}
    as a trusted authority (needed for security keys), or accept the browser's warning.

${bold('Demo accounts')} (domain ${dc.netbios}, ${dc.dnsDomain})
  tom    password ${tom.password}   LOCKED OUT · e-mail enrolled${helpdesk ? ` · help-desk code ${helpdesk.code}` : ''}
         → kiosk: user "tom", e-mail a code (it appears below), "Unlock my account"
  maria  password ${maria.password}   e-mail + authenticator app enrolled
         → kiosk: user "maria", authenticator code (printed below every 30 s) or e-mail, "Reset my password"
           authenticator key (add it to a phone app if you like): ${totpSecret}
  Portal: sign in as either with the password above; add a security key (Chrome/Edge), questions…
  Banned word in this demo's policy: "keyhatch". Domain policy: 8+ characters, complexity, history 24.

Prove a result with Kerberos:  KRB5_CONFIG=${dc.krb5Conf} kinit maria@${dc.realm}
Logs: gateway ${t.gatewayDataDir}/logs   relay ${t.relayDataDir}/logs   (relay pin ${t.caPin})
Stop: Ctrl-C
${bold('Mail and codes as they arrive:')}`);

  let seen = shownMails;
  let lastStep = -1;
  const totp = totpSecret ? new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret) }) : undefined;
  setInterval(() => {
    const mails = smtp!.messages();
    for (; seen < mails.length; seen++) {
      const m = mails[seen]!;
      const body = m.text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 4).join(' │ ');
      console.log(`  ✉ ${new Date().toLocaleTimeString()}  to ${m.to.join(', ')}  “${m.subject}”\n      ${body}`);
    }
    const s = Math.floor(Date.now() / 30_000);
    if (totp && s !== lastStep) {
      lastStep = s;
      console.log(`  ⏱ ${new Date().toLocaleTimeString()}  maria's authenticator code: ${totp.generate()} (valid ~${30 - Math.floor((Date.now() / 1000) % 30)} s)`);
    }
  }, 500);
}

main().catch(async (err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await stop(1);
});
