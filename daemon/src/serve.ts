// `keyhatch serve`: loads the configuration and starts the composition root of the configured role
// (roles/standalone.ts, roles/gateway.ts, roles/relay.ts — they build every service), then runs it
// through serve-loop.ts. It constructs no service of its own, except that a standalone daemon on
// Windows with the native addon also serves the credential provider's launch pipe and starts kiosks
// (a relay does the same in roles/relay.ts).
import { loadRoleConfig, type RoleConfig } from './config/role-config.js';
import { platformPolicySource } from './config/platform-policy-source.js';
import { relayRole, serveUntilStopped, type RunningRole } from './serve-loop.js';

/** One composition root per role, each loaded only when it is the role asked for (a relay loads no directory code). */
async function startRole(config: RoleConfig): Promise<RunningRole> {
  if (config.role === 'relay') return relayRole(config);
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
  return serveUntilStopped({ config: await load(), load, policy, env: opts.env, start: startRole });
}
