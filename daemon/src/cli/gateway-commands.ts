// Gateway and relay commands that need no directory: `gateway init`, `device token create`,
// `device list`, `device revoke <id>` (gateway store) and `join` (relay).
import { hostname } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir } from '../config/layers.js';
import { NoPolicySource } from '../config/policy-source.js';
import type { KeyhatchConfig } from '../config/schema.js';
import { UsageError } from './args.js';
import type { CliIo } from './cli-io.js';

export interface GatewayCommandContext {
  readonly args: string[];
  readonly options: Map<string, string>;
  readonly flags?: ReadonlySet<string>;
  readonly io: CliIo;
  readonly configFile: string | undefined;
}

type Command = (ctx: GatewayCommandContext) => Promise<number>;

// The schema (zod) loads only when one of these commands runs, never at `keyhatch serve` on a relay.
const config = async (ctx: GatewayCommandContext): Promise<KeyhatchConfig> => (await import('../config/load.js')).loadConfig({ file: ctx.configFile, env: ctx.io.env, policy: new NoPolicySource() });

async function withStore<T>(c: KeyhatchConfig, fn: (store: import('../store/store.js').Store, audit: import('../log/audit.js').AuditLog) => Promise<T>): Promise<T> {
  const [{ openStore }, { createAuditLog }] = await Promise.all([import('../store/open-store.js'), import('../log/audit.js')]);
  const store = await openStore({ dataDir: c.dataDir });
  const audit = createAuditLog(c.log.dir ?? join(c.dataDir, 'logs'));
  try { return await fn(store, audit); } finally { await store.close(); await audit.close(); }
}

function requireRole(c: KeyhatchConfig, ...roles: KeyhatchConfig['role'][]): void {
  if (!roles.includes(c.role)) throw new UsageError(`this command runs on a ${roles.join(' or ')} (this configuration's role is ${c.role})`);
}

export const GATEWAY_COMMANDS: Record<string, Command> = {
  async 'gateway init'(ctx) {
    const { initSiteCa } = await import('../gateway/site-ca.js');
    const names = (ctx.options.get('--names') ?? `${hostname()},localhost,127.0.0.1`).split(',').map((s) => s.trim()).filter(Boolean);
    const out = ctx.options.get('--out') ?? join(ctx.io.env.KEYHATCH_DATA_DIR ?? defaultDataDir(ctx.io.env), 'gateway', 'tls');
    const r = await initSiteCa(out, names);
    ctx.io.stdout([
      `site CA:            ${r.caFile}`,
      `server certificate: ${r.certFile} (names: ${names.join(', ')})`,
      `server key:         ${r.keyFile}`,
      `gateway config:     "role": "gateway", "tls": { "certFile": "${r.certFile}", "keyFile": "${r.keyFile}" }`,
      `relay pin:          ${r.caPin}`,
    ].join('\n'));
    return 0;
  },
  async 'device token create'(ctx) {
    const c = await config(ctx);
    requireRole(c, 'gateway', 'standalone');
    const { createJoinToken, parseDuration } = await import('../gateway/join-tokens.js');
    const uses = Number(ctx.options.get('--uses') ?? '1');
    if (!Number.isInteger(uses) || uses < 1 || uses > 100_000) throw new UsageError('--uses must be a whole number from 1 to 100000');
    const ttlMs = parseDuration(ctx.options.get('--expires') ?? '7d');
    if (ttlMs === undefined || ttlMs > 365 * 86_400_000) throw new UsageError('--expires must look like 30m, 12h or 7d (at most 365d)');
    const t = await withStore(c, async (store, audit) => {
      const created = await createJoinToken(store.joinTokens, { uses, ttlMs, createdBy: 'cli', now: Date.now() });
      audit.write({ action: 'device.token.create', actor: 'cli', target: created.id, result: 'success', correlationId: created.id, details: { uses, expiresAt: new Date(created.expiresAt).toISOString() } });
      return created;
    });
    ctx.io.stdout(`${t.token}\n(id ${t.id}; ${t.uses} use(s); expires ${new Date(t.expiresAt).toISOString()}; shown once — it is stored only as a hash)`);
    return 0;
  },
  async 'device list'(ctx) {
    const c = await config(ctx);
    requireRole(c, 'gateway', 'standalone');
    const devices = await withStore(c, (store) => store.devices.list());
    ctx.io.stdout(JSON.stringify(devices, null, 2));
    return 0;
  },
  async 'device revoke'(ctx) {
    const c = await config(ctx);
    requireRole(c, 'gateway', 'standalone');
    const id = ctx.args[0];
    if (ctx.args.length !== 1 || !id) throw new UsageError('usage: keyhatch device revoke <id>');
    const ok = await withStore(c, async (store, audit) => {
      const done = await store.devices.revoke(id, new Date().toISOString());
      audit.write({ action: 'device.revoke', actor: 'cli', target: id, device: id, result: done ? 'success' : 'failure', correlationId: id.slice(-12) });
      return done;
    });
    if (!ok) { ctx.io.stderr(`keyhatch: NOT_FOUND: no device ${id}`); return 1; }
    ctx.io.stdout(`revoked ${id}`);
    return 0;
  },
  async join(ctx) {
    const c = await config(ctx);
    requireRole(c, 'relay');
    const url = ctx.options.get('--gateway') ?? c.gateway.urls?.[0];
    // --token-stdin: the installer passes the token on stdin, so it is never on a command line.
    const token = ctx.flags?.has('--token-stdin') ? (await ctx.io.readStdin()).trim() : ctx.options.get('--token') ?? ctx.io.env.KEYHATCH_JOIN_TOKEN;
    if (!url || !token) throw new UsageError('usage: keyhatch join --gateway URL (--token T | --token-stdin) [--pin sha256/…] [--name N] [--domain D]');
    const pin = ctx.options.get('--pin') ?? c.gateway.pin;
    if (pin !== undefined && !/^sha256\/[A-Za-z0-9+/]{43}=$/.test(pin)) throw new UsageError('--pin must be sha256/<base64 of 32 bytes>');
    const { joinGateway } = await import('../relay/join.js');
    const name = ctx.options.get('--name');
    const domain = ctx.options.get('--domain');
    const id = await joinGateway({ url, token, dataDir: c.dataDir, ...(pin ? { pin } : {}), ...(name ? { name } : {}), ...(domain ? { domain } : {}) });
    ctx.io.stdout(`joined ${new URL(url).origin} as ${id.deviceId}${id.domain ? ` (workstation domain ${id.domain})` : ' (no workstation domain: bare user names follow the gateway\'s routing policy)'}`);
    return 0;
  },
};
