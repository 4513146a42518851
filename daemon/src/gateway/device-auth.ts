// Express middleware for the relay-facing API: the device is the verified client certificate and
// the source is the TCP peer (or what a trusted proxy forwarded). The result is the ClientInfo the
// recovery service keys its rate gates and session binding on.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import type { ClientInfo } from '../recovery/recovery-service.js';
import type { DeviceRegistry } from './device-registry.js';
import { peerAddress } from './peer-address.js';

/** The relay's hash of its per-launch kiosk secret: sessions stay bound to one kiosk launch. */
const KIOSK_BINDING = /^[A-Za-z0-9_-]{43}$/;

export function requireDevice(registry: DeviceRegistry, trustedProxies: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const socket = req.socket as TLSSocket;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    registry.authenticate({ authorized: socket.authorized === true, ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}), ...(peer?.raw ? { raw: peer.raw } : {}) })
      .then((device) => {
        const source = peerAddress(req.socket.remoteAddress, req.get('x-forwarded-for'), trustedProxies);
        const kiosk = req.get('x-keyhatch-kiosk-binding') ?? '';
        const lang = req.get('accept-language')?.split(',')[0]?.trim().slice(0, 12);
        const client: ClientInfo = {
          // The device is the certificate, and its domain what the join recorded: neither is a client's choice.
          source, device: device.id, deviceKnown: true, ...(device.domain ? { domain: device.domain } : {}),
          binding: createHash('sha256').update(`${KIOSK_BINDING.test(kiosk) ? kiosk : ''}|${device.id}|${source}`).digest('base64url'),
          ...(lang ? { locale: lang } : {}),
        };
        res.locals.client = client;
        res.locals.device = device;
        next();
      })
      .catch(next);
  };
}
