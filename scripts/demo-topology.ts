// The demo's organisation topology, built the way an admin builds it, with the real commands:
//   keyhatch gateway init             private site CA + the gateway's server certificate
//   keyhatch secret set ad-bind-password   the service account's password into the gateway's secret store
//   keyhatch serve (role gateway)     HTTPS: the portal for browsers, recovery + relay API behind mutual TLS
//   keyhatch device token create      a one-use join token
//   keyhatch join --token-stdin --pin the workstation makes its key pair and gets a device certificate
//   keyhatch serve (role relay)       loopback: the kiosk, forwarding recovery calls to the gateway
// Used by scripts/demo.ts (`npm run demo`) and by test/roles/demo-topology.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliIo } from '../daemon/src/cli/main.js';
import { loadConfig } from '../daemon/src/config/load.js';
import { loadRoleConfig } from '../daemon/src/config/role-config.js';
import { startGateway, type RunningGateway } from '../daemon/src/roles/gateway.js';
import { startRelay, type RunningRelay } from '../daemon/src/roles/relay.js';

export interface DemoTopologyOptions {
  /** Where the gateway's and the relay's data directories go. */
  readonly dir: string;
  /** The directory settings of the one AD domain, without the password. */
  readonly ad: { urls: string[]; baseDn: string; bindDn: string; caFile: string; bannedWords?: string[] };
  readonly bindPassword: string;
  readonly smtp: { url: string; from: string; caFile: string };
  /** 0: any free port. */
  readonly gatewayPort: number;
  readonly relayPort: number;
  /** Extra gateway settings (the demo loosens the rate limits). */
  readonly gatewayExtra?: Record<string, unknown>;
}

export interface DemoTopology {
  readonly gateway: RunningGateway;
  readonly relay: RunningRelay;
  readonly gatewayUrl: string;
  /** The site CA a browser must trust for the portal (and security keys) to work without a warning. */
  readonly caFile: string;
  readonly caPin: string;
  readonly portalUrl: string;
  /** The kiosk through the relay, with its per-launch secret. */
  readonly kioskUrl: string;
  readonly gatewayDataDir: string;
  readonly relayDataDir: string;
  close(): Promise<void>;
}

/** Runs one `keyhatch` command in this process; its stdout comes back, a failure throws with its stderr. */
async function keyhatch(args: string[], env: Record<string, string>, stdin = ''): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: async () => stdin, env };
  const code = await runCli(args, io);
  if (code !== 0) throw new Error(`keyhatch ${args.join(' ')} failed (exit ${code}): ${err.join(' ')}`);
  return out.join('\n');
}

const field = (text: string, label: string): string => {
  const m = new RegExp(`^${label}:\\s+(\\S+)`, 'm').exec(text);
  if (!m) throw new Error(`no "${label}" in: ${text}`);
  return m[1] as string;
};

export async function startDemoTopology(o: DemoTopologyOptions): Promise<DemoTopology> {
  const gatewayDataDir = join(o.dir, 'gateway');
  const relayDataDir = join(o.dir, 'workstation');
  mkdirSync(gatewayDataDir, { recursive: true, mode: 0o700 });
  mkdirSync(relayDataDir, { recursive: true, mode: 0o700 });
  const gwEnv = { KEYHATCH_DATA_DIR: gatewayDataDir };

  const init = await keyhatch(['gateway', 'init', '--names', 'localhost,127.0.0.1', '--out', join(gatewayDataDir, 'tls')], gwEnv);
  const tls = { certFile: field(init, 'server certificate'), keyFile: field(init, 'server key') };
  const caFile = field(init, 'site CA');
  const caPin = field(init, 'relay pin');

  // The gateway's config file holds no secret: the service password goes to its secret store.
  const configFile = join(gatewayDataDir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({
    role: 'gateway', dataDir: gatewayDataDir, listen: `127.0.0.1:${o.gatewayPort}`, log: { level: 'info' }, tls,
    ad: o.ad, smtp: o.smtp, webauthn: { rpId: 'localhost', rpName: 'Keyhatch demo' }, ...o.gatewayExtra,
  }, null, 2), { mode: 0o600 });
  await keyhatch(['--config', configFile, 'secret', 'set', 'ad-bind-password'], {}, o.bindPassword);
  const gateway = await startGateway(await loadConfig({ file: configFile, env: {} }));
  try {
    const token = (await keyhatch(['--config', configFile, 'device', 'token', 'create', '--uses', '1', '--expires', '1h'], {})).split('\n')[0] as string;
    const relayEnv = { KEYHATCH_ROLE: 'relay', KEYHATCH_DATA_DIR: relayDataDir, KEYHATCH_LISTEN: `127.0.0.1:${o.relayPort}` };
    await keyhatch(['join', '--gateway', gateway.url, '--token-stdin', '--pin', caPin, '--name', 'demo-pc'], relayEnv, token);
    const relay = await startRelay(await loadRoleConfig({ env: relayEnv }), { pingSeconds: 5 });
    const relayPort = new URL(relay.url).port;
    const gatewayPort = new URL(gateway.url).port;
    return {
      gateway, relay, gatewayUrl: gateway.url, caFile, caPin, gatewayDataDir, relayDataDir,
      // "localhost": security keys need a domain name, and the gateway's certificate carries it.
      portalUrl: `https://localhost:${gatewayPort}/portal/`,
      kioskUrl: `http://localhost:${relayPort}/kiosk/#k=${relay.kioskSecret}`,
      async close() {
        await relay.close().catch(() => undefined);
        await gateway.close();
      },
    };
  } catch (err) {
    await gateway.close().catch(() => undefined);
    throw err;
  }
}
