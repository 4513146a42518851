// The two ways a benchmark flow reaches the gateway: through a relay (as the kiosk does: loopback
// HTTP with the kiosk secret) or straight over the relay's own mutual-TLS client, from this process.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { GatewayClient } from '../../daemon/src/relay/gateway-client.js';

/** One API call of a flow: through a relay (kiosk → loopback HTTP) or straight to the gateway. */
export type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>;

export function viaRelay(base: string, kioskSecret: string): Call {
  // node:http with a keep-alive agent, like the direct path's node:https client: the difference
  // between the two paths is then the relay, not one HTTP client library against another.
  const url = new URL(base);
  // Idle sockets close at 4 s, before the relay's 5 s keep-alive does (as Chromium's retry of a
  // request on a socket the server just closed would hide): else a flow after a pause meets a reset.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  return (method, path, body) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest({
      host: url.hostname, port: url.port, method, path, agent,
      headers: { 'x-keyhatch-kiosk': kioskSecret, ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try { resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }); } catch (err) { reject(err as Error); }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

export function direct(client: GatewayClient): Call {
  // What a relay sends for one kiosk launch: the hash binding the session to it.
  const binding = 'b'.repeat(43);
  return async (method, path, body) => {
    const headers: Record<string, string> = { 'x-keyhatch-kiosk-binding': binding, accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    const r = await client.send(method, path, headers, body ? Buffer.from(JSON.stringify(body)) : undefined);
    return { status: r.status, json: JSON.parse(r.body.toString('utf8')) as Record<string, unknown> };
  };
}
