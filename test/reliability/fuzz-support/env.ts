// The real roles, started as in production but over the fake directory: a standalone daemon (kiosk
// + portal API over HTTP), a gateway (HTTPS, device CA, relay API behind mutual TLS) and a relay
// joined to it (loopback API forwarding to the gateway). Mail goes to a recording mailer that can
// fail on demand. Everything runs in this process so a crash is a crash of the test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../../daemon/src/config/load.js';
import type { KeyhatchConfig } from '../../../daemon/src/config/schema.js';
import { userKeyOf } from '../../../daemon/src/directory/directory.js';
import { createJoinToken } from '../../../daemon/src/gateway/join-tokens.js';
import { initSiteCa } from '../../../daemon/src/gateway/site-ca.js';
import type { AuditEvent, AuditLog } from '../../../daemon/src/log/audit.js';
import { createLogger } from '../../../daemon/src/log/logger.js';
import type { CoreServices } from '../../../daemon/src/core/core-services.js';
import type { Mailer, OutgoingMail } from '../../../daemon/src/notify/mailer.js';
import { loadIdentity } from '../../../daemon/src/relay/device-identity.js';
import { joinGateway } from '../../../daemon/src/relay/join.js';
import { startGateway, type RunningGateway } from '../../../daemon/src/roles/gateway.js';
import { startRelay, type RunningRelay } from '../../../daemon/src/roles/relay.js';
import { startStandalone, type RunningStandalone } from '../../../daemon/src/roles/standalone.js';
import { freshDir, rememberSecret } from '../../support/run-dir.js';
import { FakeDirectory } from './fake-directory.js';
import { makeTarget, type Target } from './wire.js';

/** Records mail; throws what an SMTP client throws (with the server's text) while `fail` is set. */
export class FakeMailer implements Mailer {
  fail = false;
  readonly sent: OutgoingMail[] = [];
  async send(mail: OutgoingMail): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.fail) throw Object.assign(new Error('Connection refused: 421 4.3.2 smtp.fuzz.test Service not available, closing transmission channel'), { code: 'ECONNECTION', responseCode: 421 });
    this.sent.push(mail);
    if (this.sent.length > 200) this.sent.splice(0, 100);
  }
  lastCode(to: string): string | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const m = this.sent[i] as OutgoingMail;
      const code = m.to === to ? /\b(\d{6})\b/.exec(m.text)?.[1] : undefined;
      if (code) return code;
    }
    return undefined;
  }
}

/** Audit events are not the subject here; counted in memory so 100 000s of requests do not fill the disk. */
class CountingAudit implements AuditLog {
  count = 0;
  write(_e: AuditEvent): void { this.count++; }
  async close(): Promise<void> { /* nothing held */ }
}

export const PEOPLE = { alice: 'Alice-Fuzz-Pw-1!', bob: 'Bob-Fuzz-Pw-2!', dave: 'Dave-Fuzz-Pw-3!', grace: 'Grace-Fuzz-Pw-4!' } as const;
export const ALICE_MAIL = 'alice@mail.fuzz.test';

/** Rate gates that reset every second: the fuzz hammers one account and must keep reaching the handlers. */
const LOOSE_LIMITS = { attempts: 1000, deviceAttempts: 10_000, sourceAttempts: 100_000, startsPerSource: 100_000, windowSeconds: 1, blockSeconds: 1 };

function core(config: KeyhatchConfig, directory: FakeDirectory): CoreServices {
  const log = createLogger({ dir: join(config.dataDir, 'logs'), level: 'warn', console: false });
  const audit = new CountingAudit();
  return {
    config, log, audit, directory,
    async close() { await log.close(); },
  };
}

export interface FuzzEnv {
  readonly directory: FakeDirectory;
  readonly mailer: FakeMailer;
  readonly standalone: RunningStandalone;
  readonly gateway: RunningGateway;
  readonly relay: RunningRelay;
  /** Clients: the kiosk on the standalone, a joined device on the gateway, a browser on the gateway, the kiosk on the relay. */
  readonly targets: { standalone: Target; gatewayDevice: Target; gatewayBrowser: Target; relay: Target };
  readonly uiDir: string;
  /** A file next to the served pages that must never be served. */
  readonly outsideSecret: string;
  readonly logDirs: string[];
  /** Fresh join tokens (one use each) for the join endpoint. */
  joinToken(): Promise<string>;
  close(): Promise<void>;
}

/** A tiny built UI (kiosk and portal) so the static routes serve files; a secret file beside it. */
function fakeUi(): { dir: string; secret: string } {
  const dir = freshDir('fuzz-ui');
  const secret = `outside-the-page-${Date.now()}`;
  for (const page of ['kiosk', 'portal']) {
    mkdirSync(join(dir, page, 'assets'), { recursive: true });
    writeFileSync(join(dir, page, 'index.html'), `<!doctype html><title>${page}</title>`);
    writeFileSync(join(dir, page, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, page, '.hidden'), secret);
  }
  writeFileSync(join(dir, 'secret.txt'), secret);
  return { dir, secret };
}

export interface FuzzEnvOptions {
  /** More gateway configuration (the admin console's groups). */
  readonly gateway?: Record<string, unknown>;
  /** Give the gateway a population source over the fake directory (discovery and sync). */
  readonly population?: boolean;
  /** Group memberships (DNs) by account name, e.g. the console's admin and help-desk groups. */
  readonly memberOf?: Record<string, string[]>;
}

export async function startFuzzEnv(opts: FuzzEnvOptions = {}): Promise<FuzzEnv> {
  const directory = new FakeDirectory(PEOPLE);
  directory.population = opts.population ?? false;
  Object.assign(directory.memberOf, opts.memberOf ?? {});
  rememberSecret(...Object.values(PEOPLE));
  const mailer = new FakeMailer();
  const ui = fakeUi();
  const common = { listen: '127.0.0.1:0', rateLimits: LOOSE_LIMITS, log: { level: 'warn' } };

  const saConfig = validateConfig({ ...common, dataDir: freshDir('fuzz-standalone') });
  const standalone = await startStandalone(saConfig, { core: core(saConfig, directory), mailer, uiDir: ui.dir });
  rememberSecret(standalone.kioskSecret);

  const gwDir = freshDir('fuzz-gateway');
  const site = await initSiteCa(join(gwDir, 'tls'), ['localhost', '127.0.0.1']);
  const gwConfig = validateConfig({ ...common, role: 'gateway', dataDir: gwDir, tls: { certFile: site.certFile, keyFile: site.keyFile }, ...opts.gateway });
  const gateway = await startGateway(gwConfig, { core: core(gwConfig, directory), mailer, uiDir: ui.dir });
  const joinToken = async () => {
    const t = await createJoinToken(gateway.services.store.joinTokens, { uses: 1, ttlMs: 3_600_000, createdBy: 'fuzz', now: Date.now() });
    rememberSecret(t.token);
    return t.token;
  };

  const relayDir = freshDir('fuzz-relay');
  await joinGateway({ url: gateway.url, token: await joinToken(), pin: site.caPin, dataDir: relayDir, name: 'fuzz-relay' });
  const relay = await startRelay(validateConfig({ role: 'relay', dataDir: relayDir, listen: '127.0.0.1:0', log: { level: 'warn' }, gateway: { pin: site.caPin } }), { uiDir: ui.dir, pingSeconds: 60 });
  rememberSecret(relay.kioskSecret);

  // A second device for the fuzz client itself, so gateway fuzzing does not disturb the relay's device.
  const clientDir = freshDir('fuzz-device');
  await joinGateway({ url: gateway.url, token: await joinToken(), pin: site.caPin, dataDir: clientDir, name: 'fuzz-client' });
  const id = await loadIdentity(clientDir);
  if (!id) throw new Error('the fuzz client device did not join');
  const ca = id.gatewayChainPem;

  // Alice has a confirmed e-mail factor on both stores, so the fuzz reaches verified sessions.
  for (const services of [standalone.services, gateway.services]) {
    const alice = await directory.findUser('alice');
    if (!alice) throw new Error('fake directory has no alice');
    await services.store.factors.insert({ id: 'fuzz-alice-mail', userKey: userKeyOf(alice), type: 'email', hint: 'a***@mail.fuzz.test', confirmed: true, data: { address: ALICE_MAIL }, createdAt: new Date().toISOString() });
  }

  const targets = {
    standalone: makeTarget(standalone.url),
    gatewayDevice: makeTarget(gateway.url, { ca, cert: id.certPem, key: id.keyPem }),
    gatewayBrowser: makeTarget(gateway.url, { ca }),
    relay: makeTarget(relay.url),
  };
  return {
    directory, mailer, standalone, gateway, relay, uiDir: ui.dir, outsideSecret: ui.secret,
    logDirs: [join(saConfig.dataDir, 'logs'), join(gwDir, 'logs'), join(relayDir, 'logs')],
    targets,
    joinToken,
    async close() {
      for (const t of Object.values(targets)) t.agent.destroy();
      await relay.close();
      await gateway.close();
      await standalone.close();
    },
  };
}
