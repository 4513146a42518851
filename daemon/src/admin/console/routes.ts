// The admin console under /admin: the pages (admin-ui/dist) and their API under /admin/api.
// Every API request: allowed Host/Origin (the app's middleware), JSON only, no store; a session
// cookie (__Host-, HttpOnly, Secure, SameSite=Strict) with idle and absolute expiry; the CSRF token
// on every state-changing request; admin-only pages refused to help-desk agents; help-desk actions
// refused until the caller was verified in this session. Everything an agent does is audited.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DirectoryUser } from '../../directory/directory.js';
import { userKeyOf } from '../../directory/directory.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import { TotpFactor } from '../../factors/totp.js';
import { WebAuthnFactor } from '../../factors/webauthn.js';
import type { DeviceRegistry } from '../../gateway/device-registry.js';
import { peerAddress } from '../../gateway/peer-address.js';
import { apiNoStore, handle, jsonBody, jsonOnlySameOrigin, parseBody } from '../../http/middleware.js';
import { DEFAULT_UI_DIR } from '../../http/ui-dir.js';
import { ThrottledAudit } from '../../log/audit-throttle.js';
import { logDir, type CoreServices, type RecoveryServices } from '../../core/core-services.js';
import { homeDomainsOf } from '../../recovery/account-key.js';
import { getOrCreateKey } from '../../platform/secret-store.js';
import { readAudit, type AuditFilter } from './audit-reader.js';
import { CallerVerification, actorOf, refOf } from './caller-verification.js';
import { Connectors } from './connectors.js';
import { toCsv } from './csv.js';
import { HelpdeskActions } from './helpdesk-actions.js';
import { PRE_CSRF_COOKIE, SESSION_COOKIE, ConsoleSessions, cookieHeader, newToken, readCookie, sameToken, type ConsoleSession } from './sessions.js';
import { settingsView } from './settings-view.js';
import type { PopulationService } from '../population/population-service.js';
import { populationRoutes } from './population-routes.js';
import { ConsoleSignIn } from './sign-in.js';
import { NegotiateSignIn, storeReplayCache } from './negotiate-sign-in.js';

export interface ConsoleDeps {
  core: CoreServices;
  services: RecoveryServices;
  registry: DeviceRegistry;
  trustedProxies: readonly string[];
  now?: () => number;
  /** Where the built console pages live (admin-ui/dist). */
  adminUiDir?: string;
  /** Discovery and sync (users, targeting, adoption pages); those pages are absent without it. */
  population?: PopulationService;
  /** Caller verification shared with the security-key link API (the gateway builds it once). */
  callers?: CallerVerification;
}

export const DEFAULT_ADMIN_UI_DIR = join(DEFAULT_UI_DIR, '..', '..', 'admin-ui', 'dist');
export const CSRF_HEADER = 'x-keyhatch-csrf';

const session = (res: Response): ConsoleSession | undefined => res.locals.consoleSession as ConsoleSession | undefined;
function signedIn(res: Response): ConsoleSession {
  const s = session(res);
  if (!s) throw new KeyhatchError('UNAUTHORIZED', { reason: 'no console session' });
  return s;
}
const cid = () => randomUUID().slice(0, 12);
const refParam = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

function auditFilter(q: Record<string, unknown>): AuditFilter {
  const f = parseBody(z.object({
    action: z.string().max(64).optional(), actor: z.string().max(256).optional(), target: z.string().max(256).optional(),
    result: z.enum(['success', 'failure', 'refused', 'info']).optional(), since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    until: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(), limit: z.coerce.number().int().min(1).max(5000).optional(),
  }), Object.fromEntries(Object.entries(q).filter(([, v]) => typeof v === 'string' && v !== '')));
  return {
    ...(f.action ? { action: f.action } : {}), ...(f.actor ? { actor: f.actor } : {}), ...(f.target ? { target: f.target } : {}),
    ...(f.result ? { result: f.result } : {}), ...(f.since ? { since: Date.parse(f.since) } : {}), ...(f.until ? { until: Date.parse(f.until) } : {}),
    ...(f.limit ? { limit: f.limit } : {}),
  };
}

/** Caller verification as the console and the user's security-key link page share it. */
export async function consoleCallers(core: CoreServices, services: RecoveryServices, now: () => number = () => Date.now()): Promise<CallerVerification> {
  const c = core.config;
  const settings = c.adminConsole;
  const sessions = new ConsoleSessions(services.store, { idleSeconds: settings.idleSeconds, maxSeconds: settings.maxSeconds }, now);
  const totp = services.registry.get('totp');
  const wa = services.webauthnSettings;
  return new CallerVerification({
    directory: core.directory, store: services.store, limiter: services.limiter, outbox: services.outbox, audit: core.audit,
    totp: totp instanceof TotpFactor && c.recovery.enabledFactors.includes('totp') ? totp : undefined,
    // The link page is served on the portal: assertions must come from the portal's origins, never a
    // kiosk's (webauthn.kioskOrigins). The origins array is shared, so the gateway's default origin,
    // added once it listens, applies here too.
    webauthn: services.registry.get('webauthn') && c.recovery.enabledFactors.includes('webauthn') ? new WebAuthnFactor({ rpId: wa.rpId, rpName: wa.rpName, origins: wa.origins }) : undefined,
    portalOrigin: () => wa.origins[0],
    sessionLive: (id) => sessions.live(id),
    codeKey: await getOrCreateKey(services.secrets, 'code-mac'), now,
    settings: { verifiedSeconds: settings.callerVerifiedSeconds, codeSeconds: c.recovery.codeSeconds, codeTries: c.recovery.codeTries, locale: c.kiosk.language ?? 'en', sessionMaxSeconds: settings.maxSeconds },
  });
}

export async function adminConsole(d: ConsoleDeps): Promise<Router> {
  const { core, services } = d;
  const c = core.config;
  const now = d.now ?? (() => Date.now());
  const settings = c.adminConsole;
  const sessions = new ConsoleSessions(services.store, { idleSeconds: settings.idleSeconds, maxSeconds: settings.maxSeconds }, now);
  const homeDomains = homeDomainsOf(c);
  const signIn = new ConsoleSignIn({
    directory: core.directory, limiter: services.limiter, audit: core.audit, homeDomains, attempts: c.rateLimits.attempts,
    adminGroups: settings.adminGroups, helpdeskGroups: settings.helpdeskGroups,
  });
  const negotiate = negotiateSignIn(d, now);
  const locale = c.kiosk.language ?? 'en';
  const callers = d.callers ?? await consoleCallers(core, services, now);
  const actions = new HelpdeskActions(core, services, now, locale);
  const connectors = new Connectors(core, now);
  const refusals = new ThrottledAudit(core.audit, now);
  const sourceOf = (req: Request) => peerAddress(req.socket.remoteAddress, req.get('x-forwarded-for'), d.trustedProxies);
  const refuse = (req: Request, res: Response, action: string, code: 'FORBIDDEN' | 'CSRF_FAILED', reason: string): KeyhatchError => {
    const s = session(res);
    refusals.write({ action, actor: s ? actorOf(s) : 'unknown', result: 'refused', reason: code, correlationId: 'console', source: sourceOf(req), details: { why: reason, method: req.method, path: req.originalUrl.split('?')[0] } });
    return new KeyhatchError(code, { reason });
  };

  const api = Router();
  api.use(apiNoStore, jsonOnlySameOrigin, jsonBody);
  api.use((req: Request, res: Response, next: NextFunction) => {
    sessions.touch(readCookie(req.get('cookie'), SESSION_COOKIE)).then((s) => {
      if (s) res.locals.consoleSession = s;
      next();
    }, next);
  });
  // Synchroniser token for a session; double-submit (cookie = header) for the sign-in itself.
  api.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const given = req.get(CSRF_HEADER);
    const s = session(res);
    const signingIn = req.path === '/session' || req.path === '/session/negotiate';
    const expected = s ? s.csrf : signingIn ? readCookie(req.get('cookie'), PRE_CSRF_COOKIE) : undefined;
    if (!s && !signingIn) return next(new KeyhatchError('UNAUTHORIZED', { reason: 'no console session' }));
    if (!sameToken(given, expected)) return next(refuse(req, res, 'console.csrf', 'CSRF_FAILED', given ? 'wrong token' : 'missing token'));
    next();
  });
  const adminOnly = (req: Request, res: Response, next: NextFunction) => {
    const s = signedIn(res);
    if (s.role !== 'admin') return next(refuse(req, res, 'console.forbidden', 'FORBIDDEN', `role ${s.role}`));
    next();
  };
  const anyRole = (_req: Request, res: Response, next: NextFunction) => { signedIn(res); next(); };

  const view = (s: ConsoleSession) => ({ signedIn: true, user: { name: s.name, displayName: s.displayName, role: s.role }, csrf: s.csrf, ...isoLimits(sessions.limits(s)), idleSeconds: settings.idleSeconds });
  api.get('/session', (req, res) => {
    const s = session(res);
    if (s) { res.json(view(s)); return; }
    const pre = newToken();
    res.setHeader('Set-Cookie', cookieHeader(PRE_CSRF_COOKIE, pre, 3600));
    res.json({ signedIn: false, csrf: pre, negotiate: negotiate !== undefined });
  });
  const startSession = async (res: Response, who: Awaited<ReturnType<typeof signIn.signIn>>) => {
    const old = session(res);
    if (old) await sessions.end(old.id);
    const { token, session: s } = await sessions.create(who);
    res.setHeader('Set-Cookie', [cookieHeader(SESSION_COOKIE, token, settings.maxSeconds), cookieHeader(PRE_CSRF_COOKIE, '', 0)]);
    res.json(view(s));
  };
  api.post('/session', handle(async (req, res) => {
    const body = parseBody(z.strictObject({ username: z.string().min(1).max(1024), password: z.string().min(1).max(512) }), req.body);
    await startSession(res, await signIn.signIn(body.username, body.password, { source: sourceOf(req) }));
  }));
  // Single sign-on: without a token, the Negotiate challenge (the browser answers it by itself when the
  // gateway's name is on its allow-list); with one, the same session as a password sign-in.
  api.post('/session/negotiate', handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body ?? {});
    if (!negotiate) throw new KeyhatchError('NOT_FOUND', { message: 'Single sign-on is not configured.', reason: 'adminConsole.negotiate not set' });
    const token = /^Negotiate\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Negotiate');
      throw new KeyhatchError('UNAUTHORIZED', { message: 'Single sign-on: the browser has not offered a Kerberos ticket.', reason: 'no Negotiate token' });
    }
    await startSession(res, await negotiate.signIn(token, { source: sourceOf(req) }));
  }));
  api.post('/session/end', handle(async (_req, res) => {
    const s = signedIn(res);
    await sessions.end(s.id);
    core.audit.write({ action: 'console.sign-out', actor: actorOf(s), result: 'success', correlationId: cid(), details: { role: s.role } });
    res.setHeader('Set-Cookie', cookieHeader(SESSION_COOKIE, '', 0));
    res.status(204).end();
  }));

  // Help desk (and admins): find the caller, verify them with their own method, then act.
  const detail = async (s: ConsoleSession, ref: string, user: DirectoryUser) => {
    const name = user.accountName ?? user.userPrincipalName ?? user.id;
    const [status, privilege, factors, events, caller] = await Promise.all([
      core.directory.accountStatus(user), core.directory.privilege(user), services.store.factors.list(userKeyOf(user)),
      readAudit(logDir(c), { target: name, limit: 200 }), callers.stateOf(s, ref),
    ]);
    const usable = new Set(callers.usable(factors).map((f) => f.id));
    return {
      ref, name, displayName: user.displayName ?? null, userPrincipalName: user.userPrincipalName ?? null,
      status: { locked: status.locked, disabled: status.disabled, passwordExpired: status.passwordExpired, mustChange: status.mustChange, accountExpired: status.accountExpired, lockoutTime: status.lockoutTime, pwdLastSet: status.pwdLastSet },
      privileged: privilege.privileged,
      factors: factors.map((f) => ({ id: f.id, type: f.type, hint: f.hint, confirmed: f.confirmed, createdAt: f.createdAt, canVerify: usable.has(f.id) })),
      events: events.filter((e) => e.target === name).slice(0, 20),
      caller,
    };
  };
  api.post('/users/lookup', anyRole, handle(async (req, res) => {
    const body = parseBody(z.strictObject({ name: z.string().min(1).max(1024) }), req.body);
    const s = signedIn(res);
    const { ref, user } = await callers.lookup(s, body.name, cid());
    res.json(await detail(s, ref, user));
  }));
  api.get('/users/:ref', anyRole, handle(async (req, res) => {
    const s = signedIn(res);
    const ref = parseBody(refParam, req.params.ref);
    res.json(await detail(s, ref, await callers.user(s, ref)));
  }));
  api.post('/users/:ref/verify', anyRole, handle(async (req, res) => {
    const body = parseBody(z.strictObject({ factorId: z.string().uuid() }), req.body);
    res.json(await callers.start(signedIn(res), parseBody(refParam, req.params.ref), body.factorId, cid()));
  }));
  api.post('/users/:ref/verify/confirm', anyRole, handle(async (req, res) => {
    const body = parseBody(z.strictObject({ code: z.string().min(1).max(32) }), req.body);
    res.json(await callers.confirm(signedIn(res), parseBody(refParam, req.params.ref), body.code, cid()));
  }));
  api.post('/users/:ref/verify/cancel', anyRole, handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body ?? {});
    res.json(await callers.cancel(signedIn(res), parseBody(refParam, req.params.ref), cid()));
  }));
  /** A help-desk action on a verified caller; refusals are audited under `console.<action>`. */
  const act = (action: string, fn: (s: ConsoleSession, user: DirectoryUser, correlationId: string) => Promise<unknown>) => handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body ?? {});
    const s = signedIn(res);
    const ref = parseBody(refParam, req.params.ref);
    const correlationId = cid();
    let user: DirectoryUser;
    try { user = await callers.requireVerified(s, ref); } catch (err) {
      const target = await callers.user(s, ref).then((u) => u.accountName ?? u.id, () => ref);
      core.audit.write({ action: `console.${action}`, actor: actorOf(s), target, result: 'refused', reason: (err as KeyhatchError).code, correlationId, details: { role: s.role } });
      throw err;
    }
    res.json(await fn(s, user, correlationId));
  });
  api.post('/users/:ref/unlock', anyRole, act('unlock', (s, u, id) => actions.unlock(s, u, id)));
  api.post('/users/:ref/helpdesk-code', anyRole, act('helpdesk-code', (s, u, id) => actions.helpdeskCode(s, u, id)));
  api.post('/users/:ref/reset-enrollment', anyRole, act('reset-enrollment', (s, u, id) => actions.resetEnrollment(s, u, id)));

  // Admins only.
  api.get('/devices', adminOnly, handle(async (_req, res) => {
    res.json((await d.registry.list()).map((x) => ({ id: x.id, name: x.name, domain: x.domain ?? null, joinedAt: x.joinedAt, lastSeenAt: x.lastSeenAt ?? null, revokedAt: x.revokedAt ?? null })));
  }));
  api.post('/devices/:id/revoke', adminOnly, handle(async (req, res) => {
    parseBody(z.strictObject({}), req.body ?? {});
    const id = parseBody(z.string().regex(/^(dev|mc)_[A-Za-z0-9_-]{1,64}$/), req.params.id);
    if (!(await d.registry.revoke(id, actorOf(signedIn(res))))) throw new KeyhatchError('NOT_FOUND', { reason: 'no such device' });
    res.json({ revoked: true });
  }));
  api.get('/audit', adminOnly, handle(async (req, res) => {
    res.json(await readAudit(logDir(c), auditFilter(req.query as Record<string, unknown>)));
  }));
  api.get('/audit.csv', adminOnly, handle(async (req, res) => {
    const f = auditFilter(req.query as Record<string, unknown>);
    const rows = await readAudit(logDir(c), { limit: 5000, ...f });
    const s = signedIn(res);
    core.audit.write({ action: 'console.audit-export', actor: actorOf(s), result: 'success', correlationId: cid(), details: { rows: rows.length, filter: { ...f } } });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="keyhatch-audit.csv"');
    res.send(toCsv(['timestamp', 'action', 'actor', 'target', 'result', 'reason', 'correlationId', 'device', 'source', 'details'],
      rows.map((e) => [e.timestamp, e.action, e.actor, e.target, e.result, e.reason, e.correlationId, e.device, e.source, e.details])));
  }));
  api.get('/status', adminOnly, (_req, res) => { res.json(connectors.status()); });
  api.post('/status/verify', adminOnly, handle(async (_req, res) => { res.json(await connectors.verify(actorOf(signedIn(res)))); }));
  api.get('/settings', adminOnly, (_req, res) => { res.json(settingsView(c, services.registry.types(), services.store.kind)); });
  api.get('/features', anyRole, (_req, res) => { res.json({ population: d.population !== undefined }); });
  if (d.population) api.use(populationRoutes(d.population, core.audit, adminOnly, (res) => actorOf(signedIn(res)), now));
  api.use((_req, _res, next) => next(new KeyhatchError('NOT_FOUND')));

  const r = Router();
  r.use('/api', api);
  const dir = d.adminUiDir ?? DEFAULT_ADMIN_UI_DIR;
  const serve = express.static(dir, { index: 'index.html', fallthrough: false, dotfiles: 'deny', redirect: true });
  r.use((req, res, next) => {
    if (!existsSync(join(dir, 'index.html'))) return next(new KeyhatchError('NOT_FOUND', { message: 'The admin console is not built (npm run build).' }));
    serve(req, res, next);
  });
  return r;
}

/** Single sign-on from the directory (AD only); CONFIG_INVALID when the backend offers none or the keytab is unusable. */
function negotiateSignIn(d: ConsoleDeps, now: () => number): NegotiateSignIn | undefined {
  const { core, services } = d;
  const settings = core.config.adminConsole;
  if (!settings.negotiate) return undefined;
  if (!core.directory.singleSignOn) throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: adminConsole.negotiate: single sign-on needs an Active Directory domain (the single ad form or hybrid)' });
  return new NegotiateSignIn({
    sso: core.directory.singleSignOn(settings.negotiate, storeReplayCache(services.store, now), now),
    directory: core.directory, limiter: services.limiter, audit: core.audit, adminGroups: settings.adminGroups, helpdeskGroups: settings.helpdeskGroups,
  });
}

function isoLimits(l: { expiresAt: number; endsAt: number }): { expiresAt: string; endsAt: string } {
  return { expiresAt: new Date(l.expiresAt).toISOString(), endsAt: new Date(l.endsAt).toISOString() };
}

export { refOf };
