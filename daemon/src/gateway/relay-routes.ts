// The gateway's relay API under /api/v1/relay: join (a join token + CSR, no client certificate yet)
// and ping (device certificate required; relays use it to decide they are "available").
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { DOMAIN_NAME } from '../config/patterns.js';
import { handle, parseBody } from '../http/middleware.js';
import type { DeviceRecord } from '../store/store.js';
import type { DeviceRegistry } from './device-registry.js';
import { peerAddress } from './peer-address.js';

const joinBody = z.strictObject({
  token: z.string().min(10).max(200),
  csr: z.string().min(100).max(8000),
  name: z.string().min(1).max(64),
  domain: z.string().regex(DOMAIN_NAME).optional(),
});

export function relayRoutes(registry: DeviceRegistry, requireDevice: RequestHandler, trustedProxies: readonly string[]): Router {
  const r = Router();
  r.post('/relay/join', handle(async (req, res) => {
    const body = parseBody(joinBody, req.body);
    const source = peerAddress(req.socket.remoteAddress, req.get('x-forwarded-for'), trustedProxies);
    res.status(201).json(await registry.join({ token: body.token, csr: body.csr, name: body.name, ...(body.domain ? { domain: body.domain } : {}) }, source));
  }));
  r.get('/relay/ping', requireDevice, (_req, res) => {
    res.json({ ok: true, deviceId: (res.locals.device as DeviceRecord).id });
  });
  return r;
}
