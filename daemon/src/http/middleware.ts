// Cross-cutting HTTP policy: security headers, JSON only, small bodies, no CORS, one error shape.
import express, { type NextFunction, type Request, type Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
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
  if (origin && origin !== 'null') {
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

export function clientInfo(req: Request): ClientInfo {
  // On a gateway the device-certificate middleware has already said who the client is.
  const preset = (req.res?.locals as { client?: ClientInfo } | undefined)?.client;
  if (preset) return preset;
  const device = req.get('x-keyhatch-device');
  const kiosk = req.get('x-keyhatch-kiosk') ?? '';
  const dev = device && /^[A-Za-z0-9._-]{1,64}$/.test(device) ? device : 'unknown';
  const source = req.socket.remoteAddress ?? 'unknown';
  const lang = req.get('accept-language')?.split(',')[0]?.trim().slice(0, 12);
  return {
    source, device: dev,
    binding: createHash('sha256').update(`${kiosk}|${dev}|${source}`).digest('base64url'),
    ...(lang ? { locale: lang } : {}),
  };
}

export function requireKioskSecret(secret: string, required: boolean) {
  const expected = Buffer.from(secret);
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!required) return next();
    const given = Buffer.from(req.get('x-keyhatch-kiosk') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return next(new KeyhatchError('UNAUTHORIZED', { message: 'This page only works inside the Keyhatch kiosk.', reason: 'kiosk secret missing or wrong' }));
    next();
  };
}

export function errorHandler(log: Logger) {
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
      log.error('unhandled error', { path: req.path, method: req.method, error: (err as Error)?.message });
      e = new KeyhatchError('INTERNAL');
    }
    if (e.status >= 500) log.warn('request failed', { path: req.path, code: e.code, reason: e.reason });
    else log.debug('request refused', { path: req.path, code: e.code, reason: e.reason });
    if (e.code === 'RATE_LIMITED') res.setHeader('Retry-After', '3600');
    res.status(e.status).json(e.toJSON());
  };
}

/** Express 5 forwards rejected promises; this keeps handlers to one line each. */
export function handle(fn: (req: Request, res: Response) => Promise<unknown>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
