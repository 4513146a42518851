// Sends one fuzz request to a real listener on loopback: through a keep-alive agent when node's
// client can express it, else as raw bytes on a fresh socket (headers node refuses to send,
// Content-Length that does not match the body, a missing Host). Each request is timed; a request
// still unanswered after the hang limit is reported as a hang, never as a slow success.
import { Agent as HttpAgent, request as httpRequest, validateHeaderName, validateHeaderValue } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Target {
  readonly url: string;
  /** Client certificate, key and trust for a gateway (mutual TLS). */
  readonly tls?: { ca: string; cert?: string; key?: string };
  readonly agent: HttpAgent;
}

export interface WireRequest {
  method: string;
  /** Already encoded as it goes on the request line (may be deliberately malformed). */
  path: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  /** Content-Length sent minus the real body length (0: honest); forces the raw path. */
  lengthDelta?: number;
  /** Send no Host header at all (raw path). */
  noHost?: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  ms: number;
  raw: boolean;
  /** The server closed the socket without an answer (only acceptable for a request it cannot parse). */
  closedWithoutAnswer?: boolean;
}

export const HANG_MS = Number(process.env.KEYHATCH_FUZZ_HANG_MS ?? 30_000);

export function makeTarget(url: string, tls?: Target['tls']): Target {
  const agent = url.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(tls ?? {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  return { url, agent, ...(tls ? { tls } : {}) };
}

function expressible(r: WireRequest): boolean {
  // Framing the client cannot be trusted to keep in step with (its own encoders): a fresh raw socket.
  if (r.lengthDelta || r.noHost || r.method.toUpperCase() === 'HEAD' || r.headers.some(([n]) => /^(transfer-encoding|content-length|connection)$/i.test(n))) return false;
  if (!/^[\x21-\x7e]+$/.test(r.path) || !r.path.startsWith('/')) return false;
  try {
    for (const [n, v] of r.headers) { validateHeaderName(n); validateHeaderValue(n, v); }
  } catch { return false; }
  return true;
}

let previous = '';
export function send(t: Target, r: WireRequest): Promise<WireResponse> {
  const p = expressible(r) ? viaAgent(t, r) : viaRawSocket(t, r);
  const desc = `${r.method} ${r.path.slice(0, 100)} ${JSON.stringify(r.headers).slice(0, 300)} body ${r.body?.length ?? '-'}`;
  const prev = previous;
  previous = desc;
  return p.catch((err: Error) => { throw new Error(`${err.message} (previous request: ${prev})`); });
}

/** A keep-alive socket the server closed between requests is not a failure of this request: retry once fresh (node's documented pattern). */
async function viaAgent(t: Target, r: WireRequest): Promise<WireResponse> {
  try { return await viaAgentOnce(t, r, t.agent); } catch (err) {
    if (!(err as { reused?: boolean }).reused) throw err;
    return viaAgentOnce(t, r, false);
  }
}

function viaAgentOnce(t: Target, r: WireRequest, agent: HttpAgent | false): Promise<WireResponse> {
  const started = performance.now();
  const u = new URL(t.url);
  const headers: Record<string, string | string[]> = {};
  for (const [n, v] of r.headers) {
    const k = n.toLowerCase();
    const prev = headers[k];
    headers[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  if (r.body && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(r.body.length);
  const request = t.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname, port: u.port, method: r.method, path: r.path, headers, agent, setHost: !('host' in headers),
      // The certificate is checked against the real name, whatever Host the case sends.
      ...(t.tls ? { ...t.tls, servername: 'localhost' } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) h[k] = String(v);
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, raw: false });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => { req.destroy(new Error(`hang: no answer after ${HANG_MS} ms`)); }, HANG_MS);
    req.on('error', (err) => { clearTimeout(timer); reject(Object.assign(err, { reused: req.reusedSocket && /ECONNRESET|socket hang up/.test(`${(err as NodeJS.ErrnoException).code} ${err.message}`) })); });
    req.end(r.body);
  });
}

function viaRawSocket(t: Target, r: WireRequest): Promise<WireResponse> {
  const started = performance.now();
  const u = new URL(t.url);
  const te = r.headers.find(([n]) => n.toLowerCase() === 'transfer-encoding')?.[1] ?? '';
  const chunked = /(^|,)\s*chunked\s*$/i.test(te);
  const plain = r.body ?? Buffer.alloc(0);
  // A declared chunked body is sent chunked (and terminated), so the server is never left waiting by us.
  const body = chunked ? Buffer.concat([plain.length > 0 ? Buffer.from(`${plain.length.toString(16)}\r\n`) : Buffer.alloc(0), plain, Buffer.from(plain.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]) : plain;
  const lines = [`${r.method} ${r.path} HTTP/1.1`];
  if (!r.noHost && !r.headers.some(([n]) => n.toLowerCase() === 'host')) lines.push(`Host: ${u.host}`);
  for (const [n, v] of r.headers) if (n.toLowerCase() !== 'content-length') lines.push(`${n}: ${v}`);
  const declared = body.length + (r.lengthDelta ?? 0);
  if (declared >= 0 && ((body.length > 0 && !chunked) || r.lengthDelta)) lines.push(`Content-Length: ${declared}`);
  lines.push('Connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const opts = { host: u.hostname, port: Number(u.port) };
    const s: Socket = t.url.startsWith('https:')
      ? tlsConnect({ ...opts, ...(t.tls ?? {}), servername: 'localhost' })
      : netConnect(opts);
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`hang: no answer after ${HANG_MS} ms (raw)`)); }, HANG_MS);
    s.on('connect', () => undefined);
    s.once(t.url.startsWith('https:') ? 'secureConnect' : 'connect', () => {
      s.write(Buffer.concat([head, body]));
      // A declared length longer than the body: the server waits for bytes that never come; end our
      // side so it sees the truncation instead of waiting for its request timeout.
      if ((r.lengthDelta ?? 0) > 0) s.end();
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined); // a reset after the answer is fine; no answer is judged below
    s.on('close', () => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const all = bytes.toString('latin1'); // one char per byte: lengths below are byte counts
      const ms = performance.now() - started;
      const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(all);
      if (!m) { resolve({ status: 0, headers: {}, text: bytes.toString('utf8'), ms, raw: true, closedWithoutAnswer: true }); return; }
      const h: Record<string, string> = {};
      for (const line of (m[2] as string).split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = m[3] as string;
      if (/chunked/i.test(h['transfer-encoding'] ?? '')) body = dechunk(body);
      else if (h['content-length'] !== undefined) body = body.slice(0, Number(h['content-length']));
      const text = Buffer.from(body, 'latin1').toString('utf8');
      resolve({ status: Number(m[1]), headers: h, text, ms, raw: true });
    });
  });
}

function dechunk(s: string): string {
  let out = '';
  let rest = s;
  for (;;) {
    const i = rest.indexOf('\r\n');
    if (i < 0) return out;
    const n = parseInt(rest.slice(0, i), 16);
    if (!n) return out;
    out += rest.slice(i + 2, i + 2 + n);
    rest = rest.slice(i + 2 + n + 2);
  }
}
