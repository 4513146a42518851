// `keyhatch serve`: the daemon, until SIGINT/SIGTERM.
import { loadConfig } from './config/load.js';
import { NoPolicySource } from './config/policy-source.js';
import { startServer } from './server.js';

export async function serve(opts: { configFile: string | undefined; env: Record<string, string | undefined> }): Promise<number> {
  const config = await loadConfig({ file: opts.configFile, env: opts.env, policy: new NoPolicySource() });
  const server = await startServer(config, { logToConsole: true });
  process.stderr.write(`keyhatch: listening on ${server.url} (role ${config.role})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
