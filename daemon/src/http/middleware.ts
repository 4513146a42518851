// Cross-cutting HTTP policy: security headers, JSON only, small bodies, no CORS, one error shape.
import express, { type NextFunction, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { KeyhatchError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import type { ClientInfo } from '../recovery/recovery-service.js';
import { SECURITY_HEADERS } from './security-headers.js';

export { CSP } from './security-headers.js';

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}

export function apiNoStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** State-changing requests must be JSON and, when a browser says where it comes from, come from here. */
export function jsonOnlySameOrigin(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const origin = req.get('origin');
  if (origin) {
    let host: string | undefined;
    try { host = new URL(origin).host; } catch { /* fall through */ }
    if (host !== req.get('host')) return next(new KeyhatchError('BAD_REQUEST', { message: 'Cross-origin requests are not accepted.', reason: `origin ${origin}` }));
  }
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) return next(new KeyhatchError('UNSUPPORTED_MEDIA_TYPE'));
  next();
}

export const jsonBody = express.json({ limit: '16kb', strict: true, type: 'application/json' });

/** Validates and returns a body against a zod schema; the error names the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i?.path.map(String).join('.') || 'body';
    throw new KeyhatchError('BAD_REQUEST', { message: `Invalid request: ${field}: ${i?.message ?? 'invalid'}`, reason: `validation ${field}` });
  }
  return r.data;
}

/** Which kiosk launch a request came from, as the service itself identified it. */
const kioskOf = new WeakMap<Request, string>();

import type { IdentifyKiosk } from './kiosk-identity.js';
export { staticKiosk, type IdentifyKiosk } from './kiosk-identity.js';

/**
 * Who is asking, from what the service itself knows: the kiosk launch (never a client header), and
 * the remote address. The binding ties a session to both.
 */
export function clientInfo(req: Request): ClientInfo {
  // On a gateway the device-certificate middleware has already said who the client is.
  const preset = (req.res?.locals as { client?: ClientInfo } | undefined)?.client;
  if (preset) return preset;
  const launch = kioskOf.get(req);
  const source = req.socket.remoteAddress ?? 'unknown';
  const lang = req.get('accept-language')?.split(',')[0]?.trim().slice(0, 12);
  return {
    source, device: launch ?? 'unknown', deviceKnown: launch !== undefined,
    binding: createHash('sha256').update(`${launch ?? ''}|${source}`).digest('base64url'),
    ...(lang ? { locale: lang } : {}),
  };
}

/** Refusals worth an audit record, throttled so that a flood cannot flood the audit trail. */
export type RefusalAudit = (req: Request, action: string, reason: string) => void;

export function requireKioskSecret(identify: IdentifyKiosk, required: boolean, audit: RefusalAudit) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const given = req.get('x-keyhatch-kiosk') ?? '';
    const launch = given === '' ? undefined : identify(given);
    if (launch) kioskOf.set(req, launch.id);
    if (!required || launch) return next();
    audit(req, 'http.kiosk-secret', given === '' ? 'missing' : 'wrong');
    next(new KeyhatchError('UNAUTHORIZED', { message: 'This page only works inside the Keyhatch kiosk.', reason: 'kiosk secret missing or wrong' }));
  };
}

/** Host names that always reach the daemon on this machine. */
export const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

function hostnameOf(hostHeader: string): string | undefined {
  try { return new URL(`http://${hostHeader}`).hostname.toLowerCase(); } catch { return undefined; }
}

/**
 * DNS rebinding: a page on evil.example that re-points its name at 127.0.0.1 sends `Host:
 * evil.example` (and a matching Origin). Only configured host names are served, on every request.
 */
export function allowedHostsOnly(hosts: readonly string[]) {
  const allowed = new Set(hosts.map((h) => (hostnameOf(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h) ?? h).toLowerCase()));
  return (req: Request, _res: Response, next: NextFunction): void => {
    const host = req.get('host') ?? '';
    const name = hostnameOf(host);
    if (!name || !allowed.has(name)) return next(new KeyhatchError('BAD_REQUEST', { message: 'This host name is not served here (see http.allowedHosts).', reason: `host ${host.slice(0, 64)}` }));
    const origin = req.get('origin');
    if (origin !== undefined) {
      let o: URL | undefined;
      try { o = new URL(origin); } catch { /* refused below */ }
      if (!o || !allowed.has(o.hostname.toLowerCase()) || o.host.toLowerCase() !== host.toLowerCase()) {
        return next(new KeyhatchError('BAD_REQUEST', { message: 'Cross-origin requests are not accepted.', reason: `origin ${origin.slice(0, 64)}` }));
      }
    }
    next();
  };
}

/**
 * Recovery ids are bearer values: never write one to a log, not even in a path. Takes the request
 * (its full original URL: inside a mounted router `req.path` has lost the `/recovery` prefix).
 */
export function redactPath(req: Request): string {
  const path = req.originalUrl.split('?')[0] ?? '';
  return path.replace(/(\/recovery\/)[^/]+/g, '$1[id]').replace(/(\/factors\/)[0-9a-f-]{36}/gi, '$1[id]');
}

export function errorHandler(log: Logger, audit?: RefusalAudit) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let e: KeyhatchError;
    const status = (err as { status?: number; type?: string })?.status;
    const type = (err as { type?: string })?.type;
    if (err instanceof KeyhatchError) e = err;
    else if (type === 'entity.too.large') e = new KeyhatchError('PAYLOAD_TOO_LARGE');
    else if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') e = new KeyhatchError('BAD_REQUEST', { message: 'The request body is not valid JSON.' });
    // serve-static and friends: traversal attempts (403), missing files (404), bad URLs (400).
    else if (typeof status === 'number' && status >= 400 && status < 500) e = new KeyhatchError(status === 400 ? 'BAD_REQUEST' : 'NOT_FOUND', { reason: `http ${status}` });
    else {
      log.error('unhandled error', { path: redactPath(req), method: req.method, error: (err as Error)?.message });
      e = new KeyhatchError('INTERNAL');
    }
    const path = redactPath(req);
    if (e.status >= 500) log.warn('request failed', { path, code: e.code, reason: e.reason });
    else log.debug('request refused', { path, code: e.code, reason: e.reason });
    // A dependency that is down (store, directory, gateway) is worth retrying soon, unlike a rate gate.
    if (e.status === 503) res.setHeader('Retry-After', '5');
    if (e.code === 'RATE_LIMITED') {
      res.setHeader('Retry-After', '3600');
      audit?.(req, 'http.rate-limited', e.reason ?? 'RATE_LIMITED');
    }
    res.status(e.status).json(e.toJSON());
  };
}

/** Express 5 forwards rejected promises; this keeps handlers to one line each. */
export function handle(fn: (req: Request, res: Response) => Promise<unknown>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
