// `keyhatch serve`: the daemon, until SIGINT/SIGTERM. On Windows with the native addon it also
// serves the credential provider's launch pipe (SYSTEM-only DACL) and starts kiosks.
import { loadConfig } from './config/load.js';
import { NoPolicySource } from './config/policy-source.js';
import type { RunningServer } from './server.js';
import type { KeyhatchConfig } from './config/schema.js';

async function startLaunchPipe(server: RunningServer): Promise<{ close(): Promise<void> } | undefined> {
  if (process.platform !== 'win32') return undefined;
  const { loadNativeAddon, nativeAddonAvailable, restrictLaunchPipe } = await import('./platform/native-addon.js');
  if (!nativeAddonAvailable()) return undefined;
  const [{ KioskLauncher }, { LaunchPipeServer }] = await Promise.all([import('./platform/kiosk-launcher.js'), import('./platform/launch-pipe-server.js')]);
  const addon = loadNativeAddon();
  const { core } = server;
  const port = new URL(server.url).port;
  const launcher = new KioskLauncher({
    addon, origin: `http://localhost:${port}`, secret: server.kioskSecret, executable: core.config.kiosk.executable, account: core.config.kiosk.account,
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
  const running = await startRole(config);
  process.stderr.write(`keyhatch: listening on ${running.url} (role ${config.role})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return 0;
}

/** One composition root per role, each loaded only when it is the role asked for. */
async function startRole(config: KeyhatchConfig): Promise<{ url: string; close(): Promise<void> }> {
  if (config.role === 'relay') return (await import('./roles/relay.js')).startRelay(config, { logToConsole: true });
  if (config.role === 'gateway') return (await import('./roles/gateway.js')).startGateway(config, { logToConsole: true });
  const server = await (await import('./server.js')).startServer(config, { logToConsole: true });
  const pipe = await startLaunchPipe(server);
  return { url: server.url, async close() { await pipe?.close(); await server.close(); } };
}
