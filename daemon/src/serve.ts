// `keyhatch serve`: the process around a role. It loads the configuration, starts the composition
// root of the configured role (roles/standalone.ts, roles/gateway.ts, roles/relay.ts — they build
// every service), and runs until SIGINT/SIGTERM, the service host's stop, or a Group Policy change
// (restart). It constructs no service of its own, except that a standalone daemon on Windows with
// the native addon also serves the credential provider's launch pipe and starts kiosks (a relay
// does the same in roles/relay.ts).
import { loadRoleConfig, type RoleConfig } from './config/role-config.js';
import { platformPolicySource } from './config/platform-policy-source.js';
import { watchPolicy } from './config/policy-watch.js';
import { serviceControl, RESTART_EXIT_CODE } from './service-control.js';

interface RunningRole { url: string; log: { info(m: string, f?: object): void; warn(m: string, f?: object): void }; close(): Promise<void> }

/** One composition root per role, each loaded only when it is the role asked for (a relay loads no directory code). */
async function startRole(config: RoleConfig): Promise<RunningRole> {
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
  const recentResets = launches ? new (await import('./platform/recent-resets.js')).RecentResets() : undefined;
  const server = await (await import('./roles/standalone.js')).startStandalone(config, { logToConsole: true,
    ...(launches ? { identifyKiosk: (secret: string) => launches.identify(secret), onReset: (a: { sid: string }) => recentResets?.note(a.sid) } : {}) });
  const pipe = launches ? await (await import('./platform/kiosk-launch-pipe.js')).startKioskLaunchPipe({
    port: new URL(server.url).port, launches, config, audit: server.core.audit, log: server.core.log,
    available: async () => { await server.core.directory.findUser('keyhatch-health-probe'); return true; }, ...(recentResets ? { recentResets } : {}),
  }) : undefined;
  return { url: server.url, log: server.core.log, async close() { await pipe?.close(); await server.close(); } };
}

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const policy = await platformPolicySource((err) => process.stderr.write(`keyhatch: group policy: ${(err as Error).message}\n`));
  const load = () => loadRoleConfig({ file: opts.configFile, env: opts.env, policy });
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
