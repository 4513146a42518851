// /api/v1/caller-check — what the page behind a help-desk security-key link calls (the user's own
// browser, on the portal's origin; no sign-in: the one-time link token is the credential). Options
// for exactly the key the agent chose, then the assertion; the agent's console sees the verdict.
import { Router, type Request } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KeyhatchError } from '../../errors/catalogue.js';
import { peerAddress } from '../../gateway/peer-address.js';
import { apiNoStore, handle, jsonBody, jsonOnlySameOrigin, parseBody } from '../../http/middleware.js';
import type { CallerVerification } from './caller-verification.js';

// Any string up to a sane length: a malformed token gets the same "link not valid" as a wrong one.
const token = z.string().min(1).max(200);

export function callerCheckRoutes(callers: CallerVerification, trustedProxies: readonly string[]): Router {
  const sourceOf = (req: Request) => peerAddress(req.socket.remoteAddress, req.get('x-forwarded-for'), trustedProxies);
  const cid = () => randomUUID().slice(0, 12);
  const r = Router();
  r.use(apiNoStore, jsonOnlySameOrigin, jsonBody);
  r.post('/options', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ token }), req.body);
    res.json(await callers.linkOptions(body.token, sourceOf(req), cid()));
  }));
  r.post('/verify', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ token, response: z.record(z.string(), z.unknown()) }), req.body);
    res.json(await callers.linkVerify(body.token, body.response, sourceOf(req), cid()));
  }));
  r.use((_req, _res, next) => next(new KeyhatchError('NOT_FOUND')));
  return r;
}
