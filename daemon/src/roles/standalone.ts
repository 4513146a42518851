// Composition root of the standalone role (one machine, the demo): the gateway's services and the
// relay's kiosk front in one process — the kiosk page and the per-launch kiosk secret in front of
// the same recovery API — over plain HTTP on loopback.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { KeyhatchConfig } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { staticKiosk, type IdentifyKiosk } from '../http/middleware.js';
import type { WindowsAccount } from '../directory/windows-account.js';
import type { CoreServices, RecoveryServices } from '../core/core-services.js';
import { buildGatewayParts, type GatewayPartsOptions } from './gateway-parts.js';
import { closeServer, listenOn, servedHosts } from './listen.js';
import { answerClientError } from '../http/client-error.js';

export interface StandaloneOptions extends GatewayPartsOptions {
  /** Fixed kiosk secret (tests, demo); random by default. */
  kioskSecret?: string;
  /** Resolves per-launch kiosk secrets to launch ids (Windows service); default: the single `kioskSecret`. */
  identifyKiosk?: IdentifyKiosk;
  uiDir?: string;
  /** After a successful reset (Windows: the logon tile offers "Sign in with your new password"). */
  onReset?: (account: WindowsAccount) => void;
}

export interface RunningStandalone {
  readonly url: string;
  readonly kioskSecret: string;
  readonly core: CoreServices;
  readonly services: RecoveryServices;
  close(): Promise<void>;
}

export async function startStandalone(config: KeyhatchConfig, opts: StandaloneOptions = {}): Promise<RunningStandalone> {
  const parts = await buildGatewayParts(config, opts);
  const { core, services } = parts;
  const kioskSecret = opts.kioskSecret ?? randomBytes(32).toString('base64url');
  const app = createApp({
    recovery: services.recovery, enrollment: services.enrollment, log: core.log, audit: core.audit,
    identifyKiosk: opts.identifyKiosk ?? staticKiosk(kioskSecret), allowedHosts: servedHosts(config, true),
    requireKioskSecret: config.kiosk.requireSecret, defaultLocale: 'en', sessionSeconds: config.recovery.sessionSeconds,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.uiDir ? { uiDir: opts.uiDir } : {}),
    ...(opts.onReset ? { resetFollowUp: { onReset: opts.onReset } } : {}),
  });
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, requireHostHeader: false }, app);
  server.keepAliveTimeout = 5_000;
  // Malformed requests and a missing Host are answered in the catalogue's shape too (the app checks Host itself).
  server.on('clientError', answerClientError);
  let url: string;
  try { url = await listenOn(server, config.listen, 'http'); } catch (err) { await parts.close(); throw err; }
  if (!config.webauthn.origins) services.webauthnSettings.origins.push(`http://localhost:${new URL(url).port}`);
  parts.startSweeper();
  core.log.info('keyhatch listening', { url, role: config.role });
  return {
    url, kioskSecret, core, services,
    async close() {
      await closeServer(server);
      await parts.close();
    },
  };
}
