// Starts the HTTP API (and, on Windows, the launch pipe) for `keyhatch serve` and for tests.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { KeyhatchConfig } from './config/schema.js';
import { createApp } from './http/app.js';
import { staticKiosk, type IdentifyKiosk } from './http/middleware.js';
import { buildCore, buildRecovery, type CoreServices, type RecoveryOptions, type RecoveryServices } from './main.js';

export interface ServerOptions extends RecoveryOptions {
  /** Fixed per-launch secret (tests); random by default. */
  kioskSecret?: string;
  /** Resolves per-launch kiosk secrets to launch ids; default: the single `kioskSecret`. */
  identifyKiosk?: IdentifyKiosk;
  uiDir?: string;
  logToConsole?: boolean;
  core?: CoreServices;
}

export interface RunningServer {
  readonly url: string;
  readonly kioskSecret: string;
  readonly core: CoreServices;
  readonly services: RecoveryServices;
  close(): Promise<void>;
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export async function startServer(config: KeyhatchConfig, opts: ServerOptions = {}): Promise<RunningServer> {
  const core = opts.core ?? await buildCore(config, { logToConsole: opts.logToConsole ?? false });
  const services = await buildRecovery(core, opts);
  const kioskSecret = opts.kioskSecret ?? randomBytes(32).toString('base64url');
  const open = (await Promise.all((core.adDirectories ?? (core.ad ? [core.ad] : [])).map((ad) => ad.recoverInterruptedResets().catch((err: Error) => {
    core.log.warn('could not check the reset journal yet', { error: err.message });
    return [];
  })))).flat();
  if (open.length > 0) core.log.warn('accounts left with a temporary password by an interrupted reset', { users: open.map((e) => e.user) });

  const app = createApp({
    recovery: services.recovery, enrollment: services.enrollment, log: core.log, audit: core.audit,
    identifyKiosk: opts.identifyKiosk ?? staticKiosk(kioskSecret), allowedHosts: [...config.http.allowedHosts, splitListen(config.listen).host],
    requireKioskSecret: config.kiosk.requireSecret, defaultLocale: 'en', sessionSeconds: config.recovery.sessionSeconds,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.uiDir ? { uiDir: opts.uiDir } : {}),
  });
  const { host, port } = splitListen(config.listen);
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (!config.webauthn.origins) services.webauthnSettings.origins.push(`http://localhost:${addr.port}`);
  const sweeper = setInterval(() => { services.recovery.sweep().catch((err: Error) => core.log.warn('sweep failed', { error: err.message })); }, 30_000);
  sweeper.unref();
  core.log.info('keyhatch listening', { url, role: config.role });
  return {
    url, kioskSecret, core, services,
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await services.recovery.sweep().catch(() => undefined);
      await services.close();
      if (!opts.core) await core.close();
    },
  };
}
