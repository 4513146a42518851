// Composition root of the gateway role: the only holder of directory credentials, enrollment data,
// sessions and rate gates. HTTPS only: the portal for users' browsers, and the recovery + relay API
// for joined workstations, which must present a device certificate (mutual TLS).
import type { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import { readConfiguredFile } from '../config/configured-file.js';
import type { KeyhatchConfig } from '../config/schema.js';
import { KeyhatchError } from '../errors/catalogue.js';
import { createApp } from '../http/app.js';
import { requireDevice } from '../gateway/device-auth.js';
import { DeviceCa } from '../gateway/device-ca.js';
import { DeviceRegistry } from '../gateway/device-registry.js';
import { relayRoutes } from '../gateway/relay-routes.js';
import { pemCertificates } from '../relay/pin.js';
import { buildGatewayParts, type GatewayParts, type GatewayPartsOptions } from './gateway-parts.js';
import { closeServer, listenOn, servedHosts } from './listen.js';
import { answerClientError } from '../http/client-error.js';
import { adminConsole, consoleCallers } from '../admin/console/routes.js';
import { callerCheckRoutes } from '../admin/console/caller-check-routes.js';

export interface GatewayOptions extends GatewayPartsOptions {
  uiDir?: string;
  adminUiDir?: string;
}

export interface RunningGateway extends GatewayParts {
  readonly url: string;
  readonly ca: DeviceCa;
  readonly registry: DeviceRegistry;
}

/** The issuing CAs of gateway.machineCaFile: every certificate in the PEM file, at least one. */
function readCas(file: string): X509Certificate[] {
  const pem = readConfiguredFile(file, 'gateway.machineCaFile');
  try {
    const cas = pemCertificates(pem);
    if (cas.length === 0) throw new Error('no certificate in it');
    return cas;
  } catch (err) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: gateway.machineCaFile: ${file}: ${(err as Error).message}` });
  }
}

export async function startGateway(config: KeyhatchConfig, opts: GatewayOptions = {}): Promise<RunningGateway> {
  if (!config.tls) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: tls: the gateway role needs tls.certFile and tls.keyFile' });
  const cert = readConfiguredFile(config.tls.certFile, 'tls.certFile');
  const key = readConfiguredFile(config.tls.keyFile, 'tls.keyFile');
  const parts = await buildGatewayParts(config, opts);
  const { core, services } = parts;
  let ca: DeviceCa;
  try { ca = await DeviceCa.open(services.secrets, join(config.dataDir, 'gateway')); } catch (err) { await parts.close(); throw err; }
  let machineCas: X509Certificate[];
  try { machineCas = config.gateway.machineCaFile ? readCas(config.gateway.machineCaFile) : []; } catch (err) { await parts.close(); throw err; }
  const registry = new DeviceRegistry({ store: services.store, ca, audit: core.audit, now: opts.now ?? (() => Date.now()), certDays: config.gateway.deviceCertDays, machineCas });
  const trusted = config.gateway.trustedProxies;
  const device = requireDevice(registry, trusted);
  let admin: Awaited<ReturnType<typeof adminConsole>>;
  let callers: Awaited<ReturnType<typeof consoleCallers>>;
  try {
    // One caller verification for the console and the security-key link page users open.
    callers = await consoleCallers(core, services, opts.now);
    admin = await adminConsole({ core, services, registry, trustedProxies: trusted, population: parts.population.service, callers, ...(opts.now ? { now: opts.now } : {}), ...(opts.adminUiDir ? { adminUiDir: opts.adminUiDir } : {}) });
  } catch (err) { await parts.close(); throw err; }
  const app = createApp({
    recovery: services.recovery, enrollment: services.enrollment, log: core.log, audit: core.audit,
    // Relays authenticate with their device certificate (recoveryAccess), never with a kiosk secret.
    identifyKiosk: () => undefined, requireKioskSecret: false, recoveryAccess: device, pages: ['portal', 'caller-check'],
    allowedHosts: servedHosts(config, false),
    ...(opts.now ? { now: opts.now } : {}),
    extraApi: relayRoutes(registry, device, trusted), mounts: [{ path: '/admin', handler: admin }, { path: '/api/v1/caller-check', handler: callerCheckRoutes(callers, trusted) }],
    resetFollowUp: { accountHeader: true }, // the caller is a relay: it acts on the account, the kiosk never sees it
    defaultLocale: 'en', sessionSeconds: config.recovery.sessionSeconds,
    ...(opts.uiDir ? { uiDir: opts.uiDir } : {}),
  });
  // Client certificates are requested, not required, so browsers reach the portal without one;
  // the recovery and relay API refuse any call whose certificate is missing, foreign or revoked.
  const server: Server = createServer({
    cert, key, ca: [ca.certPem, ...machineCas.map((c) => c.toString())], requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2',
    requestTimeout: 30_000, headersTimeout: 10_000, requireHostHeader: false, // the app refuses a missing Host in the catalogue's shape
  }, app);
  server.keepAliveTimeout = 5_000;
  server.on('clientError', answerClientError);
  let url: string;
  try { url = await listenOn(server, config.listen, 'https'); } catch (err) { await parts.close(); throw err; }
  if (!config.webauthn.origins) services.webauthnSettings.origins.push(url.replace(/^https:\/\/127\.0\.0\.1/, 'https://localhost'));
  parts.startSweeper();
  core.log.info('keyhatch gateway listening', { url, store: services.store.kind });
  return {
    ...parts, url, ca, registry,
    async close() {
      await closeServer(server);
      await parts.close();
    },
  };
}
