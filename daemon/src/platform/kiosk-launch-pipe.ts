// The Windows side of a workstation daemon (standalone or relay): the credential provider's launch
// pipe and the kiosks it starts. One implementation for both roles; loaded only on Windows.
import type { KeyhatchConfig } from '../config/schema.js';
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { KioskLaunches } from './kiosk-launches.js';

export interface KioskLaunchPipeOptions {
  /** The loopback port the kiosk page is served on. */
  port: string;
  launches: KioskLaunches;
  config: Pick<KeyhatchConfig, 'kiosk' | 'dataDir'>;
  audit: AuditSink;
  log: Logger;
  /** Whether recovery can work now; the provider hides its links otherwise. */
  available: () => Promise<boolean>;
}

export async function startKioskLaunchPipe(o: KioskLaunchPipeOptions): Promise<{ close(): Promise<void> }> {
  const { guardLaunchPipeCreation, loadNativeAddon, restrictLaunchPipe } = await import('./native-addon.js');
  const [{ KioskLauncher }, { LaunchPipeServer }, { DesktopGrants }] = await Promise.all([
    import('./kiosk-launcher.js'), import('./launch-pipe-server.js'), import('./desktop-grants.js')]);
  const addon = loadNativeAddon();
  const { config, log } = o;
  // The kiosk account is enabled only inside a launch; a run cut off mid-launch may have left it on.
  await addon.kioskAccount(config.kiosk.account, 'disable').catch((err: Error) =>
    log.warn('kiosk account not disabled at start', { error: err.message }));
  // Desktop ACEs a previous run granted and never revoked (service killed, machine reset).
  const grants = new DesktopGrants(config.dataDir, addon);
  for (const left of await grants.revokeLeftovers()) {
    log.warn('kiosk desktop access from a previous run not revoked (session gone?)', { sessionId: left.sessionId, error: left.error });
  }
  const launcher = new KioskLauncher({
    addon, origin: `http://localhost:${o.port}`, launches: o.launches, executable: config.kiosk.executable, account: config.kiosk.account,
    kioskArgs: [`--keyhatch-idle=${config.kiosk.idleSeconds}`, ...(config.kiosk.language ? [`--keyhatch-locale=${config.kiosk.language}`] : [])],
    dataDir: config.dataDir, audit: o.audit, log, grants,
    available: o.available,
  });
  const pipe = new LaunchPipeServer({ handler: launcher, guardCreation: guardLaunchPipeCreation(addon), secure: restrictLaunchPipe(addon), onError: (err) => log.warn('launch pipe', { error: err.message }) });
  await pipe.listen();
  log.info('launch pipe ready');
  return { close: async () => { launcher.stopAll(); await pipe.close(); } };
}
