// A local HTTPS receiver for the SMS adapter tests: its own throwaway CA and server certificate made
// with openssl in a fresh run directory (nothing system-wide trusts them), and a handler per test.
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCa } from '../support/test-ca.js';

export interface ReceivedRequest { method: string; path: string; headers: IncomingHttpHeaders; body: string }
export type Handler = (req: ReceivedRequest, res: ServerResponse) => void;

export { makeTestCa, type TestCa } from '../support/test-ca.js';

export class TlsReceiver {
  readonly requests: ReceivedRequest[] = [];
  handler: Handler = (_req, res) => { res.writeHead(500).end(); };
  private server: Server | undefined;

  async start(ca: TestCa): Promise<string> {
    const server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(r);
        this.handler(r, res);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** What an adapter's failure exposes to logs and callers, for "never leaks the number or text" checks. */
export function visible(err: unknown): string {
  const e = err as { message?: string; reason?: string; code?: string };
  return JSON.stringify({ message: e.message, reason: e.reason, code: e.code, json: (err as { toJSON?: () => unknown }).toJSON?.() });
}
