// A `fetch` over node:https that can trust an extra CA (the test Graph emulator's, or a
// TLS-inspecting proxy's) without NODE_EXTRA_CA_CERTS and without ever disabling verification.
// Node 20's global fetch cannot take a CA without importing undici, which is not a dependency.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

export interface HttpsFetchOptions {
  /** PEM text of extra trusted CAs (added to Node's bundled roots, not replacing them). */
  ca?: string;
  timeoutMs?: number;
}

export function readCaFile(file: string | undefined): string | undefined {
  return file ? readFileSync(file, 'utf8') : undefined;
}

export function createHttpsFetch(opts: HttpsFetchOptions = {}): typeof fetch {
  const ca = opts.ca ? [...rootCertificates, opts.ca] : undefined;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    if (url.protocol !== 'https:') throw new TypeError(`refusing non-https URL ${url.protocol}//${url.host}`);
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((v, k) => { headers[k] = v; });
    const body = init?.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : String(init.body);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const options: RequestOptions = {
      method: init?.method ?? 'GET', headers, timeout: timeoutMs,
      ...(ca ? { ca } : {}),
    };
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          }
          const status = res.statusCode ?? 500;
          const nullBody = status === 204 || status === 205 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: h }));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`request timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      const signal = init?.signal;
      if (signal) {
        if (signal.aborted) req.destroy(new Error('aborted'));
        else signal.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      }
      req.end(body);
    });
  };
  return impl as typeof fetch;
}
