// `keyhatch serve`: the daemon, until SIGINT/SIGTERM. On Windows with the native addon it also
// serves the credential provider's launch pipe (SYSTEM-only DACL) and starts kiosks.
import { loadConfig } from './config/load.js';
import { platformPolicySource } from './config/policy-source.js';
import { watchPolicy } from './config/policy-watch.js';
import { serviceControl, RESTART_EXIT_CODE } from './service-control.js';
import { startServer, type RunningServer } from './server.js';
import { LaunchPipeServer } from './platform/launch-pipe-server.js';
import { KioskLauncher } from './platform/kiosk-launcher.js';
import { KioskLaunches } from './platform/kiosk-launches.js';
import { DesktopGrants } from './platform/desktop-grants.js';
import { guardLaunchPipeCreation, loadNativeAddon, nativeAddonAvailable, restrictLaunchPipe } from './platform/native-addon.js';

async function startLaunchPipe(server: RunningServer, launches: KioskLaunches): Promise<{ close(): Promise<void> } | undefined> {
  if (process.platform !== 'win32') return undefined;
  const addon = loadNativeAddon();
  const { core } = server;
  const port = new URL(server.url).port;
  // The kiosk account is enabled only inside a launch; a run cut off mid-launch may have left it on.
  await addon.kioskAccount(core.config.kiosk.account, 'disable').catch((err: Error) =>
    core.log.warn('kiosk account not disabled at start', { error: err.message }));
  // Desktop ACEs a previous run granted and never revoked (service killed, machine reset).
  const grants = new DesktopGrants(core.config.dataDir, addon);
  for (const left of await grants.revokeLeftovers()) {
    core.log.warn('kiosk desktop access from a previous run not revoked (session gone?)', { sessionId: left.sessionId, error: left.error });
  }
  const launcher = new KioskLauncher({
    addon, origin: `http://localhost:${port}`, launches, executable: core.config.kiosk.executable, account: core.config.kiosk.account,
    kioskArgs: [`--keyhatch-idle=${core.config.kiosk.idleSeconds}`, ...(core.config.kiosk.language ? [`--keyhatch-locale=${core.config.kiosk.language}`] : [])],
    dataDir: core.config.dataDir, audit: core.audit, log: core.log, grants,
    // "Available" means the directory answers; the provider hides its links otherwise.
    available: async () => { await core.directory.findUser('keyhatch-health-probe'); return true; },
  });
  const pipe = new LaunchPipeServer({ handler: launcher, guardCreation: guardLaunchPipeCreation(addon), secure: restrictLaunchPipe(addon), onError: (err) => core.log.warn('launch pipe', { error: err.message }) });
  await pipe.listen();
  core.log.info('launch pipe ready');
  return { close: async () => { launcher.stopAll(); await pipe.close(); } };
}

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const policy = await platformPolicySource((err) => process.stderr.write(`keyhatch: group policy: ${(err as Error).message}\n`));
  const load = () => loadConfig({ file: opts.configFile, env: opts.env, policy });
  const config = await load();
  // On Windows the service starts the kiosks: each launch gets its own secret, valid while it runs.
  // Elsewhere (demo, development) there is no launcher and the daemon-lifetime secret stands in.
  const launches = process.platform === 'win32' && nativeAddonAvailable() ? new KioskLaunches() : undefined;
  const server = await startServer(config, { logToConsole: true, ...(launches ? { identifyKiosk: (secret: string) => launches.identify(secret) } : {}) });
  const pipe = launches ? await startLaunchPipe(server, launches) : undefined;
  process.stderr.write(`keyhatch: listening on ${server.url} (role ${config.role})${pipe ? '; launch pipe ready' : ''}\n`);
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
      server.core.log.info('group policy changed; restarting to apply', { changed });
      exitCode = RESTART_EXIT_CODE;
      resolve();
    }, (err) => server.core.log.warn('group policy re-read failed; keeping the running config', { error: (err as Error).message }));
  });
  watcher?.close();
  await pipe?.close();
  await server.close();
  return exitCode;
}
