// `keyhatch serve`: builds the services and runs until SIGINT/SIGTERM.
import { loadConfig } from './config/load.js';
import { NoPolicySource } from './config/policy-source.js';
import { buildCore } from './main.js';

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const config = await loadConfig({ file: opts.configFile, env: opts.env, policy: new NoPolicySource() });
  const core = await buildCore(config, { logToConsole: true });
  const open = await core.ad?.recoverInterruptedResets() ?? [];
  if (open.length > 0) core.log.warn('accounts left with a temporary password by an interrupted reset', { users: open.map((e) => e.user) });
  core.log.info('keyhatch started', { role: config.role });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await core.close();
  return 0;
}
