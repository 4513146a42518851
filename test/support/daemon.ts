// The real daemon on port 0 against the test domain and a real SMTP server process.
import type { TestDomain } from './global-domain.js';
import { adConfig } from './ad-env.js';
import { freshDir, rememberSecret } from './run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';
import { startStandalone, type RunningStandalone, type StandaloneOptions } from '../../daemon/src/roles/standalone.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import type { KeyhatchConfig } from '../../daemon/src/config/schema.js';

export interface TestDaemon {
  url: string;
  kioskSecret: string;
  smtp: SmtpCatcher;
  server: RunningStandalone;
  config: KeyhatchConfig;
  /** Calls the API as the kiosk on this machine would (its per-launch secret). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestDaemon(d: TestDomain, overrides: Record<string, unknown> = {}, opts: StandaloneOptions = {}): Promise<TestDaemon> {
  const smtp = await startSmtpCatcher();
  const base = adConfig(d, {}, freshDir('daemon'));
  const config = validateConfig({
    ...JSON.parse(JSON.stringify(base)),
    listen: '127.0.0.1:0',
    smtp: smtp.config,
    ...overrides,
  });
  const server = await startStandalone(config, opts);
  rememberSecret(server.kioskSecret);
  const api: TestDaemon['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-keyhatch-kiosk': server.kioskSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    url: server.url, kioskSecret: server.kioskSecret, smtp, server, config, api,
    async close() {
      await server.close();
      await smtp.close();
    },
  };
}
