// JSON over HTTPS with explicit trust (a test CA) and an optional client certificate — what a
// browser on the portal or a workstation's relay does against a gateway.
import { request } from 'node:https';

export interface TlsMaterial { ca?: string; cert?: string; key?: string }

export function httpsJson(method: string, url: string, body: unknown, tls: TlsMaterial, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method, ...tls, agent: false,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Calls a relay's loopback API as its kiosk does. */
export async function kioskCall(relayUrl: string, kioskSecret: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${relayUrl}${path}`, {
    method,
    headers: { 'x-keyhatch-kiosk': kioskSecret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}
