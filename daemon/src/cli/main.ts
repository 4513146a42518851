// The `keyhatch` command line. Errors are one line on stderr; exit 0 ok, 1 failed, 2 bad usage/config.
import { loadRawConfig } from '../config/layers.js';
import { loadRoleConfig } from '../config/role-config.js';
import { platformPolicySource } from '../config/platform-policy-source.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { CoreServices } from '../core/core-services.js';
import { processIo, type CliIo } from './cli-io.js';
import { reportCliError } from './cli-errors.js';
import { parseArgs, UsageError, USAGE } from './args.js';
import { secretSet } from './secret.js';
import { GATEWAY_COMMANDS } from './gateway-commands.js';

// Directory-bound modules load only when a command needs them: on a relay, `keyhatch serve` and
// `keyhatch doctor` must not pull in the directory, store or hashing code at all.
const buildCore = async (...a: Parameters<typeof import('../core/core-services.js').buildCore>) => (await import('../core/core-services.js')).buildCore(...a);
const buildRecovery = async (...a: Parameters<typeof import('../core/core-services.js').buildRecovery>) => (await import('../core/core-services.js')).buildRecovery(...a);
const helpdesk = () => import('./helpdesk.js');
const POPULATION_COMMAND_NAMES = new Set(['targets', 'sync', 'population', 'reminders']);
const populationHandler = (name: string, options: Map<string, string>): Handler => async (core, args, flags, io) =>
  (await import('./population-commands.js')).runPopulationCommand(name, core, args, flags, options, { ...io, tty: io.tty });

export type { CliIo };
// With runCli, what cli/relay-first.ts asks of the whole CLI (it is the WholeCli of bin/keyhatch.js).
export { processIo, loadRoleConfig };

type Handler = (core: CoreServices, args: string[], flags: Set<string>, io: CliIo, configSource: string) => Promise<number>;

const needName = (args: string[], usage: string): string => {
  if (args.length !== 1 || !args[0]) throw new UsageError(`usage: keyhatch ${usage}`);
  return args[0];
};

const COMMANDS: Record<string, Handler> = {
  async doctor(core, _args, _flags, io, source) {
    const { formatChecks, runDoctor } = await import('../core/doctor.js');
    const checks = await runDoctor(core, source);
    io.stdout(formatChecks(checks));
    return checks.every((c) => c.ok) ? 0 : 1;
  },
  async 'user show'(core, args, _flags, io) {
    const services = await buildRecovery(core);
    try {
      const [{ userKeyOf }, { userShow }] = await Promise.all([import('../directory/directory.js'), helpdesk()]);
      const listFactors = async (u: Parameters<typeof userKeyOf>[0]) => (await services.store.factors.list(userKeyOf(u)))
        .map((f) => ({ type: f.type, hint: f.hint, confirmed: f.confirmed, enrolled: f.createdAt }));
      io.stdout(JSON.stringify(await userShow(core, needName(args, 'user show <name>'), listFactors), null, 2));
    } finally { await services.close(); }
    return 0;
  },
  async 'helpdesk code'(core, args, _flags, io) {
    const name = needName(args, 'helpdesk code <name>');
    const services = await buildRecovery(core);
    try {
      io.stdout(await (await helpdesk()).helpdeskCode(core, services, name));
    } finally { await services.close(); }
    return 0;
  },
  async unlock(core, args, _flags, io) {
    const name = needName(args, 'unlock <name>');
    await (await helpdesk()).helpdeskUnlock(core, name);
    io.stdout(`unlocked ${name}`);
    return 0;
  },
  async reset(core, args, flags, io) {
    const name = needName(args, 'reset <name> --password-stdin');
    if (!flags.has('--password-stdin')) throw new UsageError('reset reads the new password from stdin: add --password-stdin (never put a password on a command line)');
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    if (password.length === 0) throw new UsageError('no password on stdin');
    await (await helpdesk()).helpdeskReset(core, name, password);
    io.stdout(`password reset for ${name}`);
    return 0;
  },
  async 'policy show'(core, args, _flags, io) {
    io.stdout(JSON.stringify(await (await helpdesk()).policyShow(core, needName(args, 'policy show <name>')), null, 2));
    return 0;
  },
};

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let core: CoreServices | undefined;
  try {
    const { configFile, positionals, flags, options } = parseArgs(argv);
    if (flags.has('--help') || flags.has('-h') || positionals.length === 0) {
      io.stdout(USAGE);
      return positionals.length === 0 && !flags.has('--help') && !flags.has('-h') ? 2 : 0;
    }
    const three = positionals.slice(0, 3).join(' ');
    const two = positionals.slice(0, 2).join(' ');
    // Own keys only: "toString" or "constructor" typed as a command must not find Object.prototype's.
    const gateway = (k: string) => (Object.hasOwn(GATEWAY_COMMANDS, k) ? GATEWAY_COMMANDS[k] : undefined);
    const g3 = gateway(three);
    if (g3) return await g3({ args: positionals.slice(3), options, flags, io, configFile });
    const g2 = gateway(two);
    if (g2) return await g2({ args: positionals.slice(2), options, flags, io, configFile });
    const [name, rest] = Object.hasOwn(COMMANDS, two) || two === 'secret set' ? [two, positionals.slice(2)] : [positionals[0] as string, positionals.slice(1)];
    if (name === 'secret set') {
      // Needs only dataDir: the rest of the config may still lack the very secret being set.
      const raw = await loadRawConfig({ file: configFile, env: io.env, policy: await platformPolicySource() });
      return await secretSet(rest, io, String(raw.dataDir));
    }
    if (name === 'serve') {
      const { serve } = await import('../serve.js');
      return await serve({ configFile, env: io.env });
    }
    if (name === 'kiosk-account') {
      // The installer's step: one local kiosk account, created disabled, never per click.
      const action = rest[0];
      if (action !== 'ensure' && action !== 'status' && action !== 'disable') throw new UsageError('usage: kiosk-account <ensure|status|disable>');
      const raw = await loadRawConfig({ file: configFile, env: io.env, policy: await platformPolicySource() });
      const account = String((raw.kiosk as { account?: unknown } | undefined)?.account ?? 'KeyhatchKiosk');
      const { loadNativeAddon, KeyhatchNativeUnavailable } = await import('../platform/native-addon.js');
      const { kioskAccountCommand } = await import('./kiosk-account.js');
      const kioskAccount = (n: string, a: Parameters<ReturnType<typeof loadNativeAddon>['kioskAccount']>[1]) => {
        let addon: ReturnType<typeof loadNativeAddon>;
        try { addon = loadNativeAddon(); } catch (err) {
          if (err instanceof KeyhatchNativeUnavailable) throw new KeyhatchError('OPERATION_UNSUPPORTED', { message: `kiosk-account runs on Windows only (${err.message})` });
          throw err;
        }
        return addon.kioskAccount(n, a);
      };
      return await kioskAccountCommand(action, { account, dataDir: String(raw.dataDir), stdout: io.stdout, kioskAccount });
    }
    if (name === 'preflight') {
      const { preflightCommand } = await import('../preflight/preflight-command.js');
      return await preflightCommand(io.stdout);
    }
    const handler = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : (POPULATION_COMMAND_NAMES.has(name) ? populationHandler(name, options) : undefined);
    if (!handler) throw new UsageError(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
    const config = await loadRoleConfig({ file: configFile, env: io.env, policy: await platformPolicySource((err) => io.stderr(`keyhatch: group policy: ${(err as Error).message}`)) });
    if (config.role === 'relay') {
      if (name !== 'doctor') throw new UsageError(`"${name}" needs the directory, which only the gateway has (this is a relay)`);
      const { relayDoctor } = await import('./relay-doctor.js');
      const checks = await relayDoctor(config);
      io.stdout(checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`).join('\n'));
      return checks.every((c) => c.ok) ? 0 : 1;
    }
    core = await buildCore(config);
    return await handler(core, rest, flags, io, configFile ?? io.env.KEYHATCH_CONFIG ?? 'environment');
  } catch (err) {
    return reportCliError(err, io);
  } finally {
    await core?.close();
  }
}
