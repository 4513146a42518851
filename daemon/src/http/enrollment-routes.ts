// /api/v1/enrollment — the portal. Sign in with the directory password, then a bearer token.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import { KeyhatchError } from '../errors/catalogue.js';
import { clientInfo, handle, parseBody } from './middleware.js';

function bearer(req: Request): string {
  const h = req.get('authorization') ?? '';
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(h);
  if (!m) throw new KeyhatchError('UNAUTHORIZED');
  return m[1] as string;
}

const factorId = z.string().uuid();

export function enrollmentRoutes(service: EnrollmentService): Router {
  const r = Router();
  const session = (req: Request) => service.session(bearer(req));
  r.post('/login', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ username: z.string().min(1).max(1024), password: z.string().min(1).max(512) }), req.body);
    res.json(await service.login(body.username, body.password, clientInfo(req)));
  }));
  r.post('/logout', handle(async (req, res) => {
    const s = await session(req);
    await service.logout(s.token);
    res.status(204).end();
  }));
  r.get('/factors', handle(async (req, res) => { res.json(await service.list(await session(req))); }));
  r.get('/questions', handle(async (req, res) => { await session(req); res.json(service.questionsConfig()); }));
  r.post('/factors/totp', handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body);
    res.status(201).json(await service.addTotp(await session(req)));
  }));
  r.post('/factors/email', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ address: z.string().min(3).max(254) }), req.body);
    res.status(201).json(await service.addEmail(await session(req), body.address));
  }));
  r.post('/factors/sms', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ phone: z.string().min(5).max(32) }), req.body);
    res.status(201).json(await service.addSms(await session(req), body.phone));
  }));
  r.post('/factors/questions', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ answers: z.array(z.strictObject({ question: z.string().max(300), answer: z.string().max(256) })).min(1).max(20) }), req.body);
    res.status(201).json(await service.addQuestions(await session(req), body.answers));
  }));
  r.post('/factors/webauthn', handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body);
    res.status(201).json(await service.addWebauthn(await session(req)));
  }));
  r.post('/factors/:id/confirm', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ code: z.string().max(16).optional(), credential: z.record(z.string(), z.unknown()).optional() }), req.body);
    res.json(await service.confirm(await session(req), parseBody(factorId, req.params.id), body));
  }));
  r.delete('/factors/:id', handle(async (req, res) => {
    await service.remove(await session(req), parseBody(factorId, req.params.id));
    res.status(204).end();
  }));
  return r;
}
