// Composition root of the relay role (every workstation). It holds only its device key/certificate and
// the gateway URL(s) + pin: no directory, no store, no hashing — and loads none of those modules (a
// test checks the module graph). The kiosk talks to it on loopback; recovery calls go to a gateway.
import type { Server } from 'node:http';
import { crypto, http } from '../net/node-builtins.js';
import { join } from 'node:path';
import type { RelaySettings } from '../config/relay-config.js';
import { staticKiosk, type IdentifyKiosk } from '../http/kiosk-identity.js';
import { DEFAULT_UI_DIR } from '../http/ui-dir.js';
import { relayIdentity, type DeviceIdentity } from '../relay/device-identity.js';
import { GatewayClient, type GatewayStatus } from '../relay/gateway-client.js';
import { relayHandler, type RelayStatus } from '../relay/relay-http.js';
import { createRelayLog } from '../relay/relay-log.js';
import { KioskLaunches } from '../platform/kiosk-launches.js';
import { RecentResets } from '../platform/recent-resets.js';
import { resetListeners, type ResetListenersOptions } from '../relay/reset-listeners.js';
import { resetFollowUp } from '../relay/reset-follow-up.js';
import { closeServer, listenOn, servedHosts } from './listen.js';
import { answerClientError } from '../http/client-error.js';

export interface RelayOptions {
  /** Fixed kiosk secret (tests, demo); random by default. Unused on Windows, where each launch gets its own. */
  kioskSecret?: string;
  uiDir?: string;
  logToConsole?: boolean;
  /** How often the gateway is asked whether it answers (the provider's "available"). */
  pingSeconds?: number;
  /** When the first gateway call starts if no status question started it sooner (default 1 s). */
  firstPingSeconds?: number;
  /** The MSV1_0 call and the DC probe (tests); on Windows the native addon's and DNS + LDAP port. */
  cachedCredentials?: Pick<ResetListenersOptions, 'addon' | 'probe'>;
}

export interface RunningRelay {
  readonly url: string;
  readonly kioskSecret: string;
  readonly identity: DeviceIdentity | undefined;
  /** Users reset through this relay lately (the provider's resetSids). */
  readonly recentResets: RecentResets;
  status(): RelayStatus;
  /** True while a gateway answers and accepts this device, from the last ping (a stale one is refreshed in the background). */
  available(): Promise<boolean>;
  close(): Promise<void>;
}

function statusOf(identity: DeviceIdentity | undefined, gateway: GatewayClient | undefined): RelayStatus {
  if (!identity || !gateway) return { status: 'unavailable', role: 'relay', gateway: { state: 'not-joined', at: new Date().toISOString() } };
  const g: GatewayStatus = gateway.status();
  return { status: g.state === 'ok' ? 'ok' : 'unavailable', role: 'relay', deviceId: identity.deviceId, gateway: g };
}

export async function startRelay(config: RelaySettings, opts: RelayOptions = {}): Promise<RunningRelay> {
  const log = createRelayLog(config.log.dir ?? join(config.dataDir, 'logs'), config.log.level, opts.logToConsole ?? config.log.console);
  const identity = await relayIdentity(config);
  const urls = config.gateway.urls ?? identity?.urls ?? [];
  const pin = config.gateway.pin ?? identity?.pin;
  const gateway = identity && urls.length > 0 ? new GatewayClient({ identity, urls, ...(pin ? { pin } : {}) }) : undefined;
  if (!gateway) log.warn('not joined to a gateway: run keyhatch join --gateway URL --token T');
  // On Windows the relay starts the kiosks and each launch gets its own secret, valid while it runs;
  // elsewhere (tests, demo) one secret for the relay's lifetime stands in, made when first needed
  // (node:crypto is not loaded before the relay listens).
  let lifetimeSecret = opts.kioskSecret;
  const kioskSecret = (): string => (lifetimeSecret ??= crypto.randomBytes(32).toString('base64url'));
  const launches = process.platform === 'win32' && (await import('../platform/native-addon.js')).nativeAddonAvailable() ? new KioskLaunches() : undefined;
  let lifetimeKiosk: IdentifyKiosk | undefined;
  const identifyKiosk: IdentifyKiosk = launches ? (secret) => launches.identify(secret) : (secret) => (lifetimeKiosk ??= staticKiosk(kioskSecret()))(secret);
  let lastPing = 0;
  let pinging: Promise<GatewayStatus | undefined> | undefined;
  let closed = false;
  const ping = (): Promise<GatewayStatus | undefined> => {
    if (!gateway || closed) return Promise.resolve(undefined);
    // One ping at a time: a burst of status questions must not become a burst of gateway calls.
    pinging ??= (async () => {
      const before = gateway.status().state;
      const s = await gateway.ping();
      lastPing = Date.now();
      if (s.state !== before) (s.state === 'ok' ? log.info : log.warn)('gateway state', { state: s.state, url: s.url, detail: s.detail });
      return s;
    })().finally(() => { pinging = undefined; });
    return pinging;
  };
  // The first gateway call sets up TLS (node:tls, the system roots, the device key: ~35 ms of CPU),
  // so it is not made before the relay has answered: it starts on the first status question, or a
  // second after start when nobody asked. Either way it starts once, on the next turn of the event
  // loop, so the answer that started it is written first.
  let started: Promise<GatewayStatus | undefined> | undefined;
  const firstPing = (): Promise<GatewayStatus | undefined> => (started ??= new Promise((resolve) => setImmediate(() => resolve(ping()))));
  // A status question before the first gateway call starts it (after this answer is written).
  const status = (): RelayStatus => { if (lastPing === 0) void firstPing(); return statusOf(identity, gateway); };
  const recentResets = new RecentResets();
  const onAnswer = resetFollowUp(await resetListeners({ config, log, recentResets, ...opts.cachedCredentials }),
    (err) => log.warn('reset follow-up failed', { error: err.message }));
  const server: Server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, requireHostHeader: false }, relayHandler({
    gateway, identifyKiosk, requireKioskSecret: config.kiosk.requireSecret, allowedHosts: servedHosts(config, true),
    uiDir: opts.uiDir ?? DEFAULT_UI_DIR, log, status, onAnswer,
  }));
  server.keepAliveTimeout = 5_000;
  // Malformed requests and a missing Host are answered in the catalogue's shape too (the app checks Host itself).
  server.on('clientError', answerClientError);
  let url: string;
  // Like the other roles: a listen address that cannot be bound leaves nothing open behind it.
  try { url = await listenOn(server, config.listen, 'http'); } catch (err) { gateway?.close(); await log.close(); throw err; }

  const firstPingTimer = setTimeout(() => { void firstPing(); }, (opts.firstPingSeconds ?? 1) * 1000);
  const timer = setInterval(() => { void ping(); }, (opts.pingSeconds ?? 15) * 1000);
  timer.unref();

  const relay: RunningRelay = {
    url, get kioskSecret() { return kioskSecret(); }, identity, status, recentResets,
    async available() {
      if (!gateway) return false;
      // The credential provider asks with a 100 ms budget: answer from the last ping (waiting only
      // for the very first one), and refresh a stale answer in the background.
      if (lastPing === 0) await firstPing();
      else if (Date.now() - lastPing > 5_000) void ping();
      return gateway.status().state === 'ok';
    },
    async close() {
      closed = true;
      clearTimeout(firstPingTimer);
      clearInterval(timer);
      await pipe?.close();
      await closeServer(server);
      gateway?.close();
      await log.close();
    },
  };
  const pipe = launches ? await (await import('../platform/kiosk-launch-pipe.js')).startKioskLaunchPipe({
    port: new URL(url).port, launches, config, log, audit: { write: (e) => log.info('kiosk', { ...e }) },
    available: () => relay.available(), recentResets,
  }) : undefined;
  log.info('keyhatch relay listening', { url, deviceId: identity?.deviceId, gateways: urls });
  return relay;
}
