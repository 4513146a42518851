// Command-line parsing for `keyhatch [--config FILE] <command> …` (CONTRACTS.md).
export class UsageError extends Error {}

export interface ParsedArgs {
  configFile: string | undefined;
  positionals: string[];
  flags: Set<string>;
  /** Options that take a value (`--uses 5`, `--expires=7d`). */
  options: Map<string, string>;
}

const KNOWN_FLAGS = new Set(['--password-stdin', '--token-stdin', '--help', '-h', '--version', '--json', '--full', '--dry-run']);
const VALUE_OPTIONS = new Set(['--uses', '--expires', '--gateway', '--token', '--pin', '--name', '--names', '--out', '--domain', '--directory', '--status', '--search', '--limit']);

/** An option name where a value was expected: `--config --token T` must not swallow --token (and then echo T as a command). */
function isOptionName(v: string): boolean {
  const name = v.split('=')[0] as string;
  return name === '--config' || KNOWN_FLAGS.has(name) || VALUE_OPTIONS.has(name);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let configFile: string | undefined;
  const positionals: string[] = [];
  const flags = new Set<string>();
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config') {
      const v = argv[++i];
      if (!v || isOptionName(v)) throw new UsageError('--config needs a file name');
      configFile = v;
    } else if (a.startsWith('--config=')) {
      configFile = a.slice('--config='.length);
    } else if (VALUE_OPTIONS.has(a.split('=')[0] as string)) {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, argv[++i]];
      if (!inline || (!a.includes('=') && isOptionName(inline))) throw new UsageError(`${name} needs a value`);
      options.set(name, inline);
    } else if (a.startsWith('-') && a !== '-') {
      if (!KNOWN_FLAGS.has(a)) throw new UsageError(`unknown option ${a}`);
      flags.add(a);
    } else {
      positionals.push(a);
    }
  }
  return { configFile, positionals, flags, options };
}

export const USAGE = `usage: keyhatch [--config FILE] <command>
  serve                          run the daemon (role from config)
  doctor                         check config, TLS, bind and every directory permission
  preflight                      Windows: machine settings that hide the logon link (also to the Event Log)
  kiosk-account <ensure|status|disable>  Windows: the local kiosk account (installer: ensure = create disabled)
  user show <name>               account state as JSON
  unlock <name>                  help-desk unlock (audited)
  reset <name> --password-stdin  help-desk reset, new password read from stdin (audited)
  policy show <name>             effective password policy (domain or PSO) as JSON
  helpdesk code <name>           one-time code to read to a caller you verified (audited)
  secret set <key>               store a credential (value read from stdin) in the platform secret
                                 store; keys: ad-bind-password, entra-client-secret, smtp-password,
                                 sms-webhook-secret, sms-twilio-auth-token
  gateway init [--names h1,h2] [--out DIR]   private CA + server certificate for a small site / demo
  device token create [--uses N] [--expires 7d]   join token for workstations (gateway)
  device list | device revoke <id>                joined workstations (gateway)
  join --gateway URL (--token T | --token-stdin) [--pin sha256/…] [--name N] [--domain D]
                                 join this workstation (relay); D: its domain (default: the machine's)
  targets search TEXT | add DN | remove DN | list [--directory D]   target groups: who may use Keyhatch
  sync [--full] [--directory D]  synchronise the population now (progress bar on a terminal)
  population list [--status S] [--search TEXT] [--limit N] [--json]   users and their status
  reminders [--dry-run]          today's password-expiry reminders and enrollment campaign mails
<name>: sAMAccountName, DOMAIN\\name or UPN. Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.`;
