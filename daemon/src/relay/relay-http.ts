// The relay's loopback HTTP surface, without express: the kiosk page, /api/v1/health (the relay's own
// status), and /api/v1/recovery/* + /api/v1/ui-config forwarded to the gateway over mutual TLS. The
// kiosk talks to it exactly as to a standalone daemon (same paths, same per-launch kiosk secret).
import { crypto } from '../net/node-builtins.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { KeyhatchError, isKeyhatchError } from '../errors/catalogue.js';
import { SECURITY_HEADERS } from '../http/security-headers.js';
import type { GatewayClient, GatewayResponse, GatewayStatus } from './gateway-client.js';
import type { RelayLog } from './relay-log.js';
import { servePage } from './static-pages.js';

const BODY_LIMIT = 16 * 1024;
const FORWARD_RESPONSE_HEADERS = ['content-type', 'retry-after'] as const;

export interface RelayHttpDeps {
  /** Undefined until the device has joined a gateway. */
  readonly gateway: GatewayClient | undefined;
  /** The kiosk launch a secret belongs to (per-launch secrets on Windows; one static secret elsewhere). */
  readonly identifyKiosk: (secret: string) => { id: string } | undefined;
  readonly requireKioskSecret: boolean;
  /** Host names served besides localhost, 127.0.0.1 and [::1] (DNS rebinding). */
  readonly allowedHosts: readonly string[];
  readonly uiDir: string;
  readonly log: RelayLog;
  readonly status: () => RelayStatus;
  /** Sees each forwarded answer with its request body (reset-follow-up.ts); must not throw. */
  readonly onAnswer?: (method: string, path: string, body: Buffer | undefined, answer: GatewayResponse) => void;
}

export interface RelayStatus {
  readonly status: 'ok' | 'unavailable';
  readonly role: 'relay';
  readonly deviceId?: string;
  readonly gateway: GatewayStatus | { state: 'not-joined'; at: string };
}

function sendError(res: ServerResponse, err: KeyhatchError): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (err.code === 'RATE_LIMITED') headers['retry-after'] = '3600';
  res.writeHead(err.status, headers).end(JSON.stringify(err.toJSON()));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Too large: answer 413 and drain what the client still sends (destroying the socket would
    // leave the client with a reset instead of an answer).
    const tooLarge = () => { chunks.length = 0; req.removeAllListeners('data'); req.resume(); reject(new KeyhatchError('PAYLOAD_TOO_LARGE')); };
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) { tooLarge(); return; }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) { tooLarge(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The same rules the gateway's express app applies: JSON bodies only, no cross-origin writes. */
function checkRequestShape(req: IncomingMessage): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string | undefined;
    try { host = new URL(origin).host; } catch { /* refused below */ }
    if (host !== req.headers.host) throw new KeyhatchError('BAD_REQUEST', { message: 'Cross-origin requests are not accepted.', reason: `origin ${origin}` });
  }
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new KeyhatchError('UNSUPPORTED_MEDIA_TYPE');
}

/** Recovery ids are bearer values: never in a log line. */
function redact(pathname: string): string {
  return pathname.replace(/^(\/api\/v1\/recovery\/)[^/]+/, '$1[id]');
}

function hostnameOf(hostHeader: string): string | undefined {
  try { return new URL(`http://${hostHeader}`).hostname.toLowerCase(); } catch { return undefined; }
}

export interface RelayRoute {
  /** '*': every method (the gateway judges it). */
  readonly methods: readonly string[];
  readonly path: string;
  /** Also every path below `path/`. */
  readonly subtree?: true;
  /** status: the relay's own; forward: to the gateway; kiosk-forward: to the gateway, kiosk secret required; page: kiosk files. */
  readonly serve: 'status' | 'forward' | 'kiosk-forward' | 'page';
}

/** Everything the relay serves on loopback; the handler dispatches from this list and the OpenAPI test reads it. */
export const RELAY_ROUTES: readonly RelayRoute[] = [
  { methods: ['GET'], path: '/api/v1/health', serve: 'status' },
  { methods: ['GET'], path: '/api/v1/ui-config', serve: 'forward' },
  { methods: ['*'], path: '/api/v1/recovery', subtree: true, serve: 'kiosk-forward' },
  { methods: ['GET', 'HEAD'], path: '/kiosk', subtree: true, serve: 'page' },
];

export function matchRelayRoute(method: string, pathname: string): RelayRoute | undefined {
  return RELAY_ROUTES.find((r) => (pathname === r.path || (r.subtree === true && pathname.startsWith(`${r.path}/`)))
    && (r.methods.includes('*') || r.methods.includes(method)));
}

export function relayHandler(d: RelayHttpDeps) {
  const allowed = new Set(['localhost', '127.0.0.1', '[::1]', ...d.allowedHosts].map((h) => hostnameOf(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h) ?? h.toLowerCase()));
  /** DNS rebinding: a page whose name re-points at 127.0.0.1 sends its own Host (and Origin). */
  const hostOk = (req: IncomingMessage): boolean => {
    const host = hostnameOf(String(req.headers.host ?? ''));
    if (!host || !allowed.has(host)) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try { return allowed.has(new URL(origin).hostname.toLowerCase()); } catch { return false; }
  };
  /** The launch a request's secret belongs to; the gateway binds sessions to it by a hash, never the secret. */
  const kioskBindingOf = (req: IncomingMessage): string | undefined => {
    const given = String(req.headers['x-keyhatch-kiosk'] ?? '');
    const launch = given === '' ? undefined : d.identifyKiosk(given);
    if (launch) return crypto.createHash('sha256').update(`launch:${launch.id}`).digest('base64url');
    return d.requireKioskSecret ? undefined : crypto.createHash('sha256').update('no-kiosk-secret').digest('base64url');
  };

  async function forward(req: IncomingMessage, res: ServerResponse, path: string, kioskBinding: string): Promise<void> {
    if (!d.gateway) throw new KeyhatchError('NOT_JOINED');
    checkRequestShape(req);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
    const headers: Record<string, string> = { 'x-keyhatch-kiosk-binding': kioskBinding, accept: 'application/json' };
    if (body && body.length > 0) headers['content-type'] = 'application/json';
    const lang = req.headers['accept-language'];
    if (typeof lang === 'string') headers['accept-language'] = lang.slice(0, 200);
    const answer = await d.gateway.send(req.method ?? 'GET', path, headers, body && body.length > 0 ? body : undefined);
    const out: Record<string, string> = { 'cache-control': 'no-store' };
    for (const h of FORWARD_RESPONSE_HEADERS) {
      const v = answer.headers[h];
      if (typeof v === 'string') out[h] = v;
    }
    res.writeHead(answer.status, out).end(answer.body);
    d.onAnswer?.(req.method ?? 'GET', path, body, answer);
    body?.fill(0); // a reset body holds the new password
  }

  const serve: Record<RelayRoute['serve'], (req: IncomingMessage, res: ServerResponse, pathname: string, search: string) => Promise<void>> = {
    async status(_req, res) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(d.status()));
    },
    forward: (req, res, pathname) => forward(req, res, pathname, kioskBindingOf(req) ?? ''),
    async 'kiosk-forward'(req, res, pathname, search) {
      const binding = kioskBindingOf(req);
      if (!binding) throw new KeyhatchError('UNAUTHORIZED', { message: 'This page only works inside the Keyhatch kiosk.', reason: 'kiosk secret missing or wrong' });
      return forward(req, res, pathname + search, binding);
    },
    async page(req, res, pathname) {
      const r = servePage(join(d.uiDir, 'kiosk'), '/kiosk', pathname, req, res);
      if (r !== 'served') throw new KeyhatchError(r === 'bad' ? 'BAD_REQUEST' : 'NOT_FOUND');
    },
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    let pathname: string;
    let search: string;
    try { ({ pathname, search } = new URL(req.url ?? '/', 'http://relay')); } catch { sendError(res, new KeyhatchError('BAD_REQUEST')); return; }
    const run = async (): Promise<void> => {
      if (!hostOk(req)) throw new KeyhatchError('BAD_REQUEST', { message: 'This host name is not served here.', reason: 'host not allowed' });
      const route = matchRelayRoute(req.method ?? 'GET', pathname);
      if (!route) throw new KeyhatchError('NOT_FOUND');
      return serve[route.serve](req, res, pathname, search);
    };
    run().catch((err: unknown) => {
      const e = isKeyhatchError(err) ? err : new KeyhatchError('INTERNAL', { reason: (err as Error)?.message });
      if (e.status >= 500) d.log.warn('request failed', { path: redact(pathname), code: e.code, reason: e.reason });
      else d.log.debug('request refused', { path: redact(pathname), code: e.code, reason: e.reason });
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  };
}
