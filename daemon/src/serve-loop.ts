// The life of `keyhatch serve` around a started role: ready for the Windows service host, then
// serving until SIGINT/SIGTERM, the host's stop, or a Group Policy change that alters the effective
// config (exit RESTART_EXIT_CODE: the host starts the daemon again at once, so no admin action is
// needed). serve.ts runs every role through it; cli/relay-first.ts runs the relay through it
// without loading the rest of the CLI.
import type { PolicySource } from './config/policy-source.js';
import type { RelayConfig } from './config/relay-config.js';
import { watchPolicy } from './config/policy-watch.js';
import { serviceControl, RESTART_EXIT_CODE } from './service-control.js';

export interface RunningRole { url: string; log: { info(m: string, f?: object): void; warn(m: string, f?: object): void }; close(): Promise<void> }

/** The relay role as `serve` runs it (every workstation): logs to the console too. */
export async function relayRole(config: RelayConfig): Promise<RunningRole> {
  const relay = await (await import('./roles/relay.js')).startRelay(config, { logToConsole: true });
  return { url: relay.url, log: console, close: () => relay.close() };
}

export async function serveUntilStopped<C extends { readonly role: string }>(o: {
  config: C;
  /** Reads the effective config again (after a Group Policy change); a rejection keeps the running config. */
  load: () => Promise<unknown>;
  policy: PolicySource;
  env: Record<string, string | undefined>;
  start: (config: C) => Promise<RunningRole>;
}): Promise<number> {
  const running = await o.start(o.config);
  process.stderr.write(`keyhatch: listening on ${running.url} (role ${o.config.role})\n`);
  const control = serviceControl(o.env);
  await control.ready();
  let exitCode = 0;
  let watcher: { close(): void } | undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    control.onStop(resolve);
    watcher = watchPolicy<unknown>(o.policy, o.config, o.load, (changed) => {
      running.log.info('group policy changed; restarting to apply', { changed });
      exitCode = RESTART_EXIT_CODE;
      resolve();
    }, (err) => running.log.warn('group policy re-read failed; keeping the running config', { error: (err as Error).message }));
  });
  watcher?.close();
  await running.close();
  return exitCode;
}
