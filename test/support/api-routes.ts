// The API routes as the source declares them: r.get('/x') in a router mounted at a known prefix.
// Shared by the OpenAPI check (docs match the code) and the fuzz runs (every route is fuzzed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli.js';

export type Mount = readonly [file: string, prefix: string];

/** The standalone/gateway app's routers (daemon/src/http/app.ts mounts them there). */
export const APP_MOUNTS: readonly Mount[] = [['daemon/src/http/recovery-routes.ts', '/api/v1/recovery'], ['daemon/src/http/enrollment-routes.ts', '/api/v1/enrollment'], ['daemon/src/http/app.ts', '/api/v1']];
/** The gateway's relay API (daemon/src/roles/gateway.ts mounts it under /api/v1). */
export const GATEWAY_MOUNTS: readonly Mount[] = [['daemon/src/gateway/relay-routes.ts', '/api/v1']];

/** The admin console's API (daemon/src/admin/console/routes.ts, mounted at /admin/api on the gateway), and the
 *  API of the security-key link page a caller opens (caller-check-routes.ts, at /api/v1/caller-check on the gateway). */
export const CONSOLE_MOUNTS: readonly Mount[] = [['daemon/src/admin/console/routes.ts', '/admin/api'], ['daemon/src/admin/console/population-routes.ts', '/admin/api'],
  ['daemon/src/admin/console/caller-check-routes.ts', '/api/v1/caller-check']];
/** "METHOD /path/{param}" for every route declared in the given files. */
export function implementedRoutes(mounts: readonly Mount[] = APP_MOUNTS): Set<string> {
  const out = new Set<string>();
  for (const [file, prefix] of mounts) {
    const src = readFileSync(join(REPO, file), 'utf8');
    for (const m of src.matchAll(/\b(?:r|api)\.(get|post|delete|put|patch)\('([^']+)'/g)) {
      const path = `${prefix}${m[2] === '/' ? '' : m[2]}`.replace(/:(\w+)/g, '{$1}');
      out.add(`${(m[1] as string).toUpperCase()} ${path}`);
    }
  }
  return out;
}
