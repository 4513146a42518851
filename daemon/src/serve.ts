// `keyhatch serve`: the daemon of the configured role, until SIGINT/SIGTERM or the service host's
// stop. A standalone daemon on Windows with the native addon also serves the credential provider's
// launch pipe (SYSTEM-only DACL) and starts kiosks; a relay does the same in roles/relay.ts.
import { loadConfig } from './config/load.js';
import { platformPolicySource } from './config/policy-source.js';
import { watchPolicy } from './config/policy-watch.js';
import type { KeyhatchConfig } from './config/schema.js';
import { serviceControl, RESTART_EXIT_CODE } from './service-control.js';
import type { RunningServer } from './server.js';
import type { KioskLaunches } from './platform/kiosk-launches.js';

async function startLaunchPipe(server: RunningServer, launches: KioskLaunches): Promise<{ close(): Promise<void> }> {
  const { loadNativeAddon, restrictLaunchPipe } = await import('./platform/native-addon.js');
  const [{ KioskLauncher }, { LaunchPipeServer }] = await Promise.all([import('./platform/kiosk-launcher.js'), import('./platform/launch-pipe-server.js')]);
  const addon = loadNativeAddon();
  const { core } = server;
  const port = new URL(server.url).port;
  const launcher = new KioskLauncher({
    addon, origin: `http://localhost:${port}`, launches, executable: core.config.kiosk.executable, account: core.config.kiosk.account,
    kioskArgs: [`--keyhatch-idle=${core.config.kiosk.idleSeconds}`, ...(core.config.kiosk.language ? [`--keyhatch-locale=${core.config.kiosk.language}`] : [])],
    dataDir: core.config.dataDir, audit: core.audit, log: core.log,
    // "Available" means the directory answers; the provider hides its links otherwise.
    available: async () => { await core.directory.findUser('keyhatch-health-probe'); return true; },
  });
  const pipe = new LaunchPipeServer({ handler: launcher, secure: restrictLaunchPipe(addon), onError: (err) => core.log.warn('launch pipe', { error: err.message }) });
  await pipe.listen();
  core.log.info('launch pipe ready');
  return { close: async () => { launcher.stopAll(); await pipe.close(); } };
}

interface RunningRole { url: string; log: { info(m: string, f?: object): void; warn(m: string, f?: object): void }; close(): Promise<void> }

/** One composition root per role, each loaded only when it is the role asked for (a relay loads no directory code). */
async function startRole(config: KeyhatchConfig): Promise<RunningRole> {
  if (config.role === 'relay') {
    const relay = await (await import('./roles/relay.js')).startRelay(config, { logToConsole: true });
    return { url: relay.url, log: console, close: () => relay.close() };
  }
  if (config.role === 'gateway') {
    const gateway = await (await import('./roles/gateway.js')).startGateway(config, { logToConsole: true });
    return { url: gateway.url, log: gateway.core.log, close: () => gateway.close() };
  }
  // Standalone on Windows: each kiosk launch gets its own secret, valid while it runs. Elsewhere
  // (demo, development) there is no launcher and the daemon-lifetime secret stands in.
  const { nativeAddonAvailable } = await import('./platform/native-addon.js');
  const launches = process.platform === 'win32' && nativeAddonAvailable() ? new (await import('./platform/kiosk-launches.js')).KioskLaunches() : undefined;
  const server = await (await import('./server.js')).startServer(config, { logToConsole: true, ...(launches ? { identifyKiosk: (secret: string) => launches.identify(secret) } : {}) });
  const pipe = launches ? await startLaunchPipe(server, launches) : undefined;
  return { url: server.url, log: server.core.log, async close() { await pipe?.close(); await server.close(); } };
}

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const policy = await platformPolicySource((err) => process.stderr.write(`keyhatch: group policy: ${(err as Error).message}\n`));
  const load = () => loadConfig({ file: opts.configFile, env: opts.env, policy });
  const config = await load();
  const running = await startRole(config);
  process.stderr.write(`keyhatch: listening on ${running.url} (role ${config.role})\n`);
  // Under the Windows service host: readiness file, stop on stdin EOF (service-control.ts).
  const control = serviceControl(opts.env);
  await control.ready();
  let exitCode = 0;
  let watcher: { close(): void } | undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    control.onStop(resolve);
    // A policy change that alters the effective config restarts the daemon cleanly; the service
    // host starts it again at once (RESTART_EXIT_CODE), so no admin action is needed.
    watcher = watchPolicy(policy, config, load, (changed) => {
      running.log.info('group policy changed; restarting to apply', { changed });
      exitCode = RESTART_EXIT_CODE;
      resolve();
    }, (err) => running.log.warn('group policy re-read failed; keeping the running config', { error: (err as Error).message }));
  });
  watcher?.close();
  await running.close();
  return exitCode;
}
