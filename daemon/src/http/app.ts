// The daemon's HTTP app: API v1, the kiosk and the portal, all from one origin on loopback.
import express, { type RequestHandler, type Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_UI_DIR } from './ui-dir.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { AuditSink } from '../log/audit.js';
import { ThrottledAudit } from '../log/audit-throttle.js';
import type { Logger } from '../log/logger.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { LOCALES, pickLocale } from '../notify/templates.js';
import { enrollmentRoutes } from './enrollment-routes.js';
import {
  DEFAULT_ALLOWED_HOSTS, allowedHostsOnly, apiNoStore, clientInfo, errorHandler, jsonBody, jsonOnlySameOrigin, redactPath, requireKioskSecret, securityHeaders,
  type IdentifyKiosk, type RefusalAudit,
} from './middleware.js';
import { recoveryRoutes, type ResetFollowUp } from './recovery-routes.js';

export interface AppDeps {
  recovery: RecoveryService;
  enrollment: EnrollmentService;
  log: Logger;
  audit: AuditSink;
  /** The kiosk launch a per-launch secret belongs to (replaces a single static secret compare). */
  identifyKiosk: IdentifyKiosk;
  requireKioskSecret: boolean;
  /** Host names served (Host and Origin), added to localhost, 127.0.0.1 and [::1]. */
  allowedHosts: string[];
  now?: () => number;
  defaultLocale: string;
  sessionSeconds: number;
  /** Where the built kiosk and portal live (kiosk-ui/dist). */
  uiDir?: string;
  /** Who may call the recovery API: default the kiosk secret; a gateway requires a device certificate. */
  recoveryAccess?: RequestHandler;
  /** Pages served (default kiosk and portal); a gateway serves the portal and the help desk's security-key link page. */
  pages?: ReadonlyArray<'kiosk' | 'portal' | 'caller-check'>;
  /** Role-specific API routes mounted under /api/v1 (the gateway's relay API). */
  extraApi?: Router;
  /** After a reset: note the account in-process (standalone) or tell the calling relay (gateway). */
  resetFollowUp?: ResetFollowUp;
  /** Role-specific apps mounted at their own path behind the same Host/Origin checks (the gateway's /admin console). */
  mounts?: ReadonlyArray<{ path: string; handler: RequestHandler }>;
}

export { DEFAULT_UI_DIR } from './ui-dir.js';

export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(securityHeaders);
  app.use(allowedHostsOnly([...DEFAULT_ALLOWED_HOSTS, ...d.allowedHosts]));
  const throttled = new ThrottledAudit(d.audit, d.now ?? Date.now);
  const refusal: RefusalAudit = (req, action, reason) => {
    const c = clientInfo(req);
    throttled.write({ action, actor: 'unknown', result: 'refused', reason, correlationId: 'http', device: c.device, source: c.source, details: { method: req.method, path: redactPath(req) } });
  };

  for (const m of d.mounts ?? []) app.use(m.path, m.handler);

  const api = express.Router();
  api.use(apiNoStore, jsonOnlySameOrigin, jsonBody);
  api.get('/health', (_req, res) => { res.json({ status: 'ok' }); });
  api.get('/ui-config', (_req, res) => { res.json({ defaultLocale: pickLocale(d.defaultLocale), locales: LOCALES, sessionSeconds: d.sessionSeconds }); });
  api.use('/recovery', d.recoveryAccess ?? requireKioskSecret(d.identifyKiosk, d.requireKioskSecret, refusal), recoveryRoutes(d.recovery, d.resetFollowUp));
  if (d.extraApi) api.use(d.extraApi);
  api.use('/enrollment', enrollmentRoutes(d.enrollment));
  api.use((_req, _res, next) => next(new KeyhatchError('NOT_FOUND')));
  app.use('/api/v1', api);

  const ui = d.uiDir ?? DEFAULT_UI_DIR;
  for (const page of d.pages ?? ['kiosk', 'portal']) {
    const dir = join(ui, page);
    const serve = express.static(dir, { index: 'index.html', fallthrough: false, dotfiles: 'deny', redirect: true });
    app.use(`/${page}`, (req, res, next) => {
      // Checked per request so a UI built after the daemon started is served without a restart.
      // Pages are only read: serve-static would answer other methods with a bare 405.
      if (req.method !== 'GET' && req.method !== 'HEAD') return next(new KeyhatchError('NOT_FOUND'));
      if (!existsSync(join(dir, 'index.html'))) return next(new KeyhatchError('NOT_FOUND', { message: `The ${page} is not built (npm run build).` }));
      serve(req, res, next);
    });
  }
  app.get('/', (_req, res) => { res.redirect(302, '/portal/'); });
  app.use((_req, _res, next) => next(new KeyhatchError('NOT_FOUND')));
  app.use(errorHandler(d.log, refusal));
  return app;
}
