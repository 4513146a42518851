// `keyhatch serve`: the daemon, until SIGINT/SIGTERM. On Windows with the native addon it also
// serves the credential provider's launch pipe (SYSTEM-only DACL) and starts kiosks.
import { loadConfig } from './config/load.js';
import { NoPolicySource } from './config/policy-source.js';
import { startServer, type RunningServer } from './server.js';
import { LaunchPipeServer } from './platform/launch-pipe-server.js';
import { KioskLauncher } from './platform/kiosk-launcher.js';
import { KioskLaunches } from './platform/kiosk-launches.js';
import { loadNativeAddon, nativeAddonAvailable, restrictLaunchPipe } from './platform/native-addon.js';

async function startLaunchPipe(server: RunningServer): Promise<{ close(): Promise<void> } | undefined> {
  if (process.platform !== 'win32' || !nativeAddonAvailable()) return undefined;
  const addon = loadNativeAddon();
  const { core } = server;
  const port = new URL(server.url).port;
  const launcher = new KioskLauncher({
    // TODO(lead): the HTTP layer must accept `launches.identify(secret)` (per-launch secrets).
    addon, origin: `http://localhost:${port}`, launches: new KioskLaunches(), executable: core.config.kiosk.executable, account: core.config.kiosk.account,
    dataDir: core.config.dataDir, audit: core.audit, log: core.log,
    // "Available" means the directory answers; the provider hides its links otherwise.
    available: async () => { await core.directory.findUser('keyhatch-health-probe'); return true; },
  });
  const pipe = new LaunchPipeServer({ handler: launcher, secure: restrictLaunchPipe(addon), onError: (err) => core.log.warn('launch pipe', { error: err.message }) });
  await pipe.listen();
  core.log.info('launch pipe ready');
  return { close: async () => { launcher.stopAll(); await pipe.close(); } };
}

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const config = await loadConfig({ file: opts.configFile, env: opts.env, policy: new NoPolicySource() });
  const server = await startServer(config, { logToConsole: true });
  const pipe = await startLaunchPipe(server);
  process.stderr.write(`keyhatch: listening on ${server.url} (role ${config.role})${pipe ? '; launch pipe ready' : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await pipe?.close();
  await server.close();
  return 0;
}
