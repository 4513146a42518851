// /api/v1/recovery — what the kiosk calls. No user authentication; the per-launch kiosk secret,
// client binding and rate limits protect it.
import { Router } from 'express';
import { z } from 'zod';
import type { WindowsAccount } from '../directory/windows-account.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { clientInfo, handle, parseBody } from './middleware.js';
import { RESET_ACCOUNT_HEADER, encodeResetAccount } from './reset-account-header.js';

const id = z.string().min(10).max(64).regex(/^[A-Za-z0-9_-]+$/);
const factorId = z.string().min(1).max(16).regex(/^f\d+$/);

/** What happens with the reset account: in-process (standalone) and/or a header for the calling relay (gateway). */
export interface ResetFollowUp {
  onReset?: (account: WindowsAccount) => void;
  accountHeader?: boolean;
}

export function recoveryRoutes(service: RecoveryService, followUp: ResetFollowUp = {}): Router {
  const r = Router();
  r.post('/', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ username: z.string().min(1).max(1024) }), req.body);
    res.status(201).json(await service.start(body.username, clientInfo(req)));
  }));
  r.post('/:id/challenge', handle(async (req, res) => {
    // `contact`: for e-mail and SMS, the full address or number the user types (checked against the enrolled ones).
    const body = parseBody(z.strictObject({ factor: factorId, contact: z.string().min(1).max(254).optional() }), req.body);
    res.json(await service.challenge(parseBody(id, req.params.id), body.factor, body.contact, clientInfo(req)));
  }));
  r.post('/:id/verify', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ factor: factorId, response: z.union([z.string().max(64), z.record(z.string(), z.unknown())]) }), req.body);
    res.json(await service.verify(parseBody(id, req.params.id), body.factor, body.response, clientInfo(req)));
  }));
  r.get('/:id', handle(async (req, res) => {
    res.json(await service.status(parseBody(id, req.params.id), clientInfo(req)));
  }));
  r.post('/:id/check-password', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ newPassword: z.string().max(512) }), req.body);
    res.json(await service.checkPassword(parseBody(id, req.params.id), body.newPassword, clientInfo(req)));
  }));
  r.post('/:id/unlock', handle(async (req, res) => {
    res.json(await service.unlock(parseBody(id, req.params.id), clientInfo(req)));
  }));
  r.post('/:id/reset', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ newPassword: z.string().min(1).max(512), unlock: z.boolean().optional() }), req.body);
    const { account, ...answer } = await service.reset(parseBody(id, req.params.id), body.newPassword, body.unlock ?? false, clientInfo(req));
    if (account) {
      followUp.onReset?.(account);
      if (followUp.accountHeader) res.setHeader(RESET_ACCOUNT_HEADER, encodeResetAccount(account));
    }
    res.json(answer); // never the account: this body reaches the kiosk page
  }));
  r.post('/:id/cancel', handle(async (req, res) => {
    await service.cancel(parseBody(id, req.params.id), clientInfo(req));
    res.status(204).end();
  }));
  return r;
}
