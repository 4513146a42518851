// A small Microsoft Graph client: bearer token from the TokenProvider, 429/503/504 retried with
// Retry-After honoured (else exponential backoff with full jitter), bounded; @odata.nextLink
// followed verbatim; advanced queries carry ConsistencyLevel: eventual and $count=true.
import { KeyhatchError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import { mapGraphError, type GraphContext, type GraphErrorBody } from './graph-errors.js';
import type { TokenProvider } from './token-provider.js';

export interface RetryPolicy {
  maxRetries: number;
  /** Retry-After longer than this is not waited for. */
  maxRetryAfterMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, maxRetryAfterMs: 60_000, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface GraphClientDeps {
  baseUrl: string;
  tokens: TokenProvider;
  fetch: typeof fetch;
  log: Logger;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface GraphRequest {
  method?: 'GET' | 'POST' | 'PATCH';
  /** Path relative to the versioned base ("/users") or an absolute URL (a nextLink). */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** ConsistencyLevel: eventual + $count=true. */
  advanced?: boolean;
  context?: GraphContext;
}

export interface GraphResponse<T> { status: number; body: T; headers: Headers }

const RETRYABLE = new Set([429, 503, 504]);

/** An OData string literal: single quotes doubled, wrapped in quotes. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Query string with %20 for spaces (Graph expects RFC 3986 encoding; "+" would be a literal plus). */
export function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query).map(([k, v]) => `${encodeURIComponent(k).replace(/%24/g, '$')}=${encodeURIComponent(v)}`).join('&');
}

/** Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class GraphClient {
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: GraphClientDeps) {
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = deps.random ?? Math.random;
  }

  get baseUrl(): string { return this.deps.baseUrl; }

  urlFor(req: GraphRequest): string {
    if (/^https:\/\//i.test(req.path)) return req.path; // nextLink: verbatim
    const query = { ...(req.query ?? {}), ...(req.advanced ? { $count: 'true' } : {}) };
    const qs = encodeQuery(query);
    return `${this.deps.baseUrl}${req.path}${qs ? `?${qs}` : ''}`;
  }

  async request<T>(req: GraphRequest): Promise<GraphResponse<T>> {
    const url = this.urlFor(req);
    if (!url.startsWith(`${this.deps.baseUrl}/`)) {
      throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'refusing to follow a link outside the configured Graph endpoint' });
    }
    const method = req.method ?? 'GET';
    let refreshed = false;
    let forceRefresh = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.deps.tokens.getToken(forceRefresh);
      forceRefresh = false;
      const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, accept: 'application/json' };
      if (req.advanced) headers.consistencylevel = 'eventual';
      let body: string | undefined;
      if (req.body !== undefined) { body = JSON.stringify(req.body); headers['content-type'] = 'application/json'; }
      let res: Response;
      try {
        res = await this.deps.fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(this.deps.timeoutMs ?? 15_000) });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const tls = /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message}`);
        if (!tls && attempt < this.retry.maxRetries) { await this.backoff(attempt, undefined, method, url); continue; }
        throw new KeyhatchError(tls ? 'DIRECTORY_TLS' : 'DIRECTORY_UNAVAILABLE', { reason: `Graph ${method} ${pathOf(url)}: ${e.code ?? ''} ${e.message}`.trim(), cause: err });
      }
      if (res.ok) {
        const text = res.status === 204 ? '' : await res.text();
        let body: unknown;
        try { body = text ? JSON.parse(text) : undefined; } catch {
          throw new KeyhatchError('DIRECTORY_ERROR', { reason: `Graph ${method} ${pathOf(url)}: HTTP ${res.status} with a body that is not JSON` });
        }
        return { status: res.status, headers: res.headers, body: body as T };
      }
      const errBody = await res.json().catch(() => undefined) as GraphErrorBody | undefined;
      const requestId = res.headers.get('request-id') ?? undefined;
      if (res.status === 401 && !refreshed) { refreshed = true; forceRefresh = true; attempt--; continue; }
      if (RETRYABLE.has(res.status)) {
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now());
        const tooLong = retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs;
        if (!tooLong && attempt < this.retry.maxRetries) { await this.backoff(attempt, retryAfter, method, url, res.status); continue; }
        const code = res.status === 429 ? 'DIRECTORY_THROTTLED' : 'DIRECTORY_UNAVAILABLE';
        throw new KeyhatchError(code, {
          reason: `Graph ${res.status} after ${attempt + 1} attempt(s)${tooLong ? ` (Retry-After ${retryAfter} ms exceeds the ${this.retry.maxRetryAfterMs} ms limit)` : ''}: ${errBody?.error?.code ?? ''} ${pathOf(url)}`,
        });
      }
      throw mapGraphError(res.status, errBody, req.context ?? 'read', requestId);
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | undefined, method: string, url: string, status?: number): Promise<void> {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    const wait = retryAfterMs ?? Math.floor(this.random() * exp);
    this.deps.log.info('graph request retried', { method, path: pathOf(url), status: status ?? 'network', attempt: attempt + 1, waitMs: wait, retryAfter: retryAfterMs !== undefined });
    await this.sleep(wait);
  }

  /** Every item of a collection, following @odata.nextLink verbatim. */
  async list<T>(req: GraphRequest, maxItems = 100_000): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined;
    let first = true;
    while (first || next) {
      const page: GraphResponse<{ value?: T[]; '@odata.nextLink'?: string }> = await this.request(first ? req : { ...req, path: next as string, query: {} });
      first = false;
      out.push(...(page.body?.value ?? []));
      next = page.body?.['@odata.nextLink'];
      if (out.length > maxItems) throw new KeyhatchError('DIRECTORY_ERROR', { reason: `collection larger than ${maxItems} items at ${pathOf(req.path)}` });
    }
    return out;
  }
}

/** Path only (no query: filter values can hold user input) for logs. */
function pathOf(url: string): string {
  try { return new URL(url).pathname; } catch { return url.split('?')[0] ?? ''; }
}
