// The `keyhatch` entry (bin/keyhatch.js, and the Windows service's keyhatch.cjs): `keyhatch serve` in
// the relay role starts from here with the relay's own modules only — not the rest of the CLI, whose
// commands and roles reach the directory, the store and every npm package (on Windows they are a
// second bundle the relay never parses). Every other command, and `serve` in any other role or with
// a config only the full schema can judge, goes to the whole CLI unchanged.
import type { LoadOptions } from '../config/layers.js';
import { platformPolicySource } from '../config/platform-policy-source.js';
import { loadRelayConfigFast } from '../config/relay-fast-config.js';
import type { RelayConfig } from '../config/relay-config.js';
import type { RoleConfig } from '../config/role-config.js';
import { relayRole, serveUntilStopped } from '../serve-loop.js';
import { parseArgs } from './args.js';
import { reportCliError } from './cli-errors.js';
import { processIo, type CliIo } from './cli-io.js';

/** What the relay path needs of the whole CLI (cli/main.ts; on Windows keyhatch-cli.cjs). */
export interface WholeCli {
  runCli(argv: readonly string[], io?: CliIo): Promise<number>;
  loadRoleConfig(opts: LoadOptions): Promise<RoleConfig>;
}

/** The config file of a plain `keyhatch serve [--config FILE]`; null for any other command line. */
function serveCommand(argv: readonly string[]): { configFile: string | undefined } | null {
  try {
    const { configFile, positionals, flags, options } = parseArgs(argv);
    return positionals.length === 1 && positionals[0] === 'serve' && flags.size === 0 && options.size === 0 ? { configFile } : null;
  } catch {
    return null; // the whole CLI reports the usage error
  }
}

export async function runRelayFirst(argv: readonly string[], whole: () => Promise<WholeCli>, io: CliIo = processIo): Promise<number> {
  const serve = serveCommand(argv);
  if (!serve) return (await whole()).runCli(argv, io);
  const policy = await platformPolicySource((err) => io.stderr(`keyhatch: group policy: ${(err as Error).message}`));
  const opts: LoadOptions = { file: serve.configFile, env: io.env, policy };
  let config: RelayConfig | undefined;
  try {
    config = await loadRelayConfigFast(opts);
  } catch {
    config = undefined; // an unreadable config: the whole CLI reports it as it always has
  }
  if (!config) return (await whole()).runCli(argv, io);
  try {
    // A Group Policy change is judged like everywhere else: a relay config this path can judge, or
    // the whole CLI's schema (loaded only then), whose rejection keeps the running config.
    const load = async () => (await loadRelayConfigFast(opts)) ?? (await whole()).loadRoleConfig(opts);
    return await serveUntilStopped({ config, load, policy, env: io.env, start: relayRole });
  } catch (err) {
    return reportCliError(err, io);
  }
}
