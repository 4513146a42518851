// One property per endpoint: whatever the body, path parameters and headers, the answer is a
// catalogue error or a success, never a 5xx unless a dependency was failing, never directory text
// or a stack trace, never a file from outside the served pages, and always within the hang limit.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../../daemon/src/errors/catalogue.js';
import { REPO } from '../../support/cli.js';
import { bodyFor, encodeBody, pctEncode, headers, lengthDelta, pathParam, queryString, type Body, type BodyCtx, type HeaderCtx, type JsonSchema } from './arbitraries.js';
import { DIRECTORY_TEXT, FAULT_NAMES, type FakeDirectory, type Fault } from './fake-directory.js';
import type { FakeMailer } from './env.js';
import { send, type Target, type WireRequest, type WireResponse } from './wire.js';

/** Cases per endpoint: 10 000 by default (the issue's bar); KEYHATCH_FUZZ_RUNS lowers it for a quick local run. */
export const RUNS = Number(process.env.KEYHATCH_FUZZ_RUNS ?? 10_000);
/** Replays one failure: fast-check prints seed and path when a property fails. */
export const SEED = process.env.KEYHATCH_FUZZ_SEED === undefined ? undefined : Number(process.env.KEYHATCH_FUZZ_SEED);
export const PATH = process.env.KEYHATCH_FUZZ_PATH;

/** The only codes a 5xx may carry: a directory, mail, store or gateway that is failing (docs/errors.md). */
export const DEPENDENCY_CODES = new Set(['DIRECTORY_UNAVAILABLE', 'DIRECTORY_TLS', 'DIRECTORY_ERROR', 'DIRECTORY_THROTTLED', 'SERVICE_BIND_FAILED',
  'INSUFFICIENT_RIGHTS', 'ENTRA_ROLE_MISSING', 'DELIVERY_FAILED', 'SMS_FAILED', 'STORE_UNAVAILABLE', 'GATEWAY_UNAVAILABLE', 'GATEWAY_UNTRUSTED', 'NOT_JOINED']);

const STACK_TRACE = [/\n\s+at \S/, /\bat (?:async )?\S+ \([^)]*:\d+:\d+\)/, /node:internal/, /node_modules/, /\.[cm]?[jt]s:\d+:\d+/, /\bTypeError\b|\bRangeError\b|\bSyntaxError\b|\bReferenceError\b/];

type OpenApi = { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; parameters?: Array<{ name: string; in: string }> }>> };
const openapi = JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8')) as OpenApi;

/** The documented request schema of an operation (undefined for operations without a body). */
export function requestSchema(method: string, path: string): JsonSchema | undefined {
  return openapi.paths[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
}

/** The documented query parameters of an operation (names only). */
export function queryParams(method: string, path: string): string[] {
  return (openapi.paths[path]?.[method.toLowerCase()]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
}

/** A value from the run (an id or token that exists right now), chosen by index when the case runs. */
export interface LiveRef { live: number }
export type Param = string | LiveRef;

export interface FuzzCase {
  method: string;
  params: Record<string, Param>;
  query: string;
  headers: Array<[string, string]>;
  bearer: Param | undefined;
  body: Body | undefined;
  lengthDelta: number;
  noHost: boolean;
  fault: Fault | 'smtp-down';
}

export interface Endpoint {
  readonly method: string;
  /** OpenAPI form: /api/v1/recovery/{id}/verify. */
  readonly path: string;
}

export interface FuzzContext {
  readonly target: Target;
  readonly directory: FakeDirectory;
  readonly mailer: FakeMailer;
  readonly headerCtx: Omit<HeaderCtx, 'bearer'>;
  readonly bodyCtx: BodyCtx;
  /** Live values for path parameters by name ({id} of recovery or of a factor) and bearer tokens. */
  live(kind: string, index: number): Promise<string>;
  /** Told after each case (with the answer's status and code), so a consumed id or token is replaced. */
  consumed(kind: string, index: number, ep: Endpoint, status: number, code: string | undefined): void;
  /** Kind of live value a path parameter holds on this endpoint. */
  paramKind(ep: Endpoint, param: string): string;
  /** Text that must never appear in any answer (a file outside the served pages, the secrets in use). */
  readonly forbidden: readonly string[];
  /**
   * More headers per case (a session cookie and its CSRF token). A value may hold
   * `\u0000live:KIND#N;`, replaced by live value N of KIND when the case runs.
   */
  readonly extraHeaders?: fc.Arbitrary<Array<[string, string]>>;
  /** Query strings an endpoint documents (its filters), tried besides the hostile ones. */
  query?(ep: Endpoint): fc.Arbitrary<string> | undefined;
  /**
   * Directory text an endpoint shows by design (DNs of configured groups and synchronised users on
   * admin pages); error text (diagnostics, DSIDs, socket errors) is still judged there.
   */
  shownDirectoryText?(ep: Endpoint): readonly RegExp[];
}

const liveRef: fc.Arbitrary<LiveRef> = fc.nat({ max: 3 }).map((live) => ({ live }));

export function caseFor(ep: Endpoint, ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const params = [...ep.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const paramArb = fc.oneof({ weight: 6, arbitrary: liveRef as fc.Arbitrary<Param> }, { weight: 8, arbitrary: pathParam as fc.Arbitrary<Param> });
  const bearerArb = fc.oneof({ weight: 8, arbitrary: liveRef as fc.Arbitrary<Param> }, { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{20,100}$/) as fc.Arbitrary<Param> });
  const hasBody = ep.method !== 'GET' && ep.method !== 'DELETE';
  const otherMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'post');
  const documented = ctx.query?.(ep);
  const baseHeaders = headers({ ...ctx.headerCtx, bearer: fc.constant('\u0000bearer') });
  return fc.record({
    method: fc.oneof({ weight: 30, arbitrary: fc.constant(ep.method) }, { weight: 1, arbitrary: otherMethod }),
    params: fc.record(Object.fromEntries(params.map((p) => [p, paramArb]))) as fc.Arbitrary<Record<string, Param>>,
    query: documented ? fc.oneof({ weight: 1, arbitrary: queryString }, { weight: 2, arbitrary: documented }) : queryString,
    // The bearer is placed into the Authorization header when the case runs (live tokens change).
    headers: ctx.extraHeaders ? fc.tuple(baseHeaders, ctx.extraHeaders).map(([a, b]) => [...a, ...b]) : baseHeaders,
    bearer: fc.option(bearerArb, { nil: undefined, freq: 3 }),
    body: hasBody ? bodyFor(requestSchema(ep.method, ep.path), ctx.bodyCtx) : fc.option(bodyFor(undefined, ctx.bodyCtx), { nil: undefined, freq: 1 }).map((b) => b ?? undefined),
    lengthDelta,
    noHost: fc.oneof({ weight: 100, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    fault: fc.oneof({ weight: 24, arbitrary: fc.constant<Fault | 'smtp-down'>('none') }, { weight: 1, arbitrary: fc.constantFrom<Fault | 'smtp-down'>(...FAULT_NAMES.filter((f) => f !== 'none'), 'smtp-down') }),
  });
}

async function resolve(ctx: FuzzContext, ep: Endpoint, c: FuzzCase): Promise<{ req: WireRequest; used: Array<[string, number]> }> {
  const used: Array<[string, number]> = [];
  let path = ep.path;
  for (const [name, v] of Object.entries(c.params)) {
    let value: string;
    if (typeof v === 'string') value = v;
    else {
      const kind = ctx.paramKind(ep, name);
      value = pctEncode(await ctx.live(kind, v.live)).replace(/%2F/g, '/');
      used.push([kind, v.live]);
    }
    path = path.replace(`{${name}}`, value);
  }
  let bearer: string | undefined;
  if (c.bearer !== undefined) {
    if (typeof c.bearer === 'string') bearer = c.bearer;
    else { bearer = await ctx.live('bearer', c.bearer.live); used.push(['bearer', c.bearer.live]); }
  }
  const hs = c.headers.flatMap(([n, v]): Array<[string, string]> => {
    if (n !== 'Authorization' || !v.includes('\u0000bearer')) return [[n, v]];
    return bearer === undefined ? [] : [[n, v.replace('\u0000bearer', bearer)]];
  });
  for (const h of hs) {
    // A NUL marks a placeholder (as in bodies): fuzzed header values hold NUL alone, never this pattern.
    // eslint-disable-next-line no-control-regex
    for (const m of [...h[1].matchAll(/\u0000live:([a-z:-]+)#(\d+);/g)]) {
      const kind = m[1] as string;
      const index = Number(m[2]);
      h[1] = h[1].replace(m[0], await ctx.live(kind, index));
      used.push([kind, index]);
    }
  }
  let body = encodeBody(c.body);
  if (body && body.includes('\\u0000live:')) {
    let text = body.toString('utf8');
    for (const m of [...text.matchAll(/\\u0000live:([a-z-]+)/g)]) {
      const kind = m[1] as string;
      text = text.replace(m[0], await ctx.live(kind, 0));
      used.push([kind, 0]);
    }
    body = Buffer.from(text);
  }
  return { req: { method: c.method, path: path + c.query, headers: hs, ...(body ? { body } : {}), lengthDelta: body ? c.lengthDelta : 0, noHost: c.noHost }, used };
}

function containsAny(text: string, patterns: readonly RegExp[]): RegExp | undefined {
  return patterns.find((p) => p.test(text));
}

/** Why this answer breaks a property, or undefined when it is fine. */
export function judge(ctx: FuzzContext, c: FuzzCase, req: WireRequest, res: WireResponse, ep?: Endpoint): string | undefined {
  if (res.closedWithoutAnswer) return (req.lengthDelta ?? 0) > 0 ? undefined : 'the server closed the connection without an answer';
  if (req.method === 'HEAD') return res.status >= 500 && c.fault === 'none' ? `HEAD answered ${res.status}` : undefined; // no body to judge
  let json: { error?: { code?: unknown } } | undefined;
  try { json = JSON.parse(res.text) as typeof json; } catch { /* judged below */ }
  const code = typeof json?.error?.code === 'string' ? json.error.code : undefined;
  if (res.status >= 400 && (!code || !(code in ERROR_CATALOGUE))) return `${res.status} without a catalogue code: ${res.text.slice(0, 200)}`;
  if (res.status >= 400 && ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status !== res.status) return `${code} answered with ${res.status}, the catalogue says ${ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status}`;
  if (res.status >= 500) {
    if (!DEPENDENCY_CODES.has(code as string)) return `${res.status} ${code}: not a dependency failure`;
    if (c.fault === 'none') return `${res.status} ${code} while every dependency was healthy`;
  }
  const requestText = `${req.path}\n${req.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n${req.body?.toString('utf8') ?? ''}`;
  const answer = `${Object.entries(res.headers).map(([n, v]) => `${n}: ${v}`).join('\n')}\n${res.text}`;
  const shown = ep ? ctx.shownDirectoryText?.(ep) ?? [] : [];
  const leak = containsAny(answer, DIRECTORY_TEXT.filter((p) => !shown.some((x) => x.source === p.source)));
  if (leak && !leak.test(requestText)) return `directory text ${leak} in the answer: ${res.text.slice(0, 300)}`;
  const trace = containsAny(res.text, STACK_TRACE);
  if (trace && !trace.test(requestText)) return `a stack trace or internal name ${trace} in the answer: ${res.text.slice(0, 300)}`;
  for (const f of ctx.forbidden) if (answer.includes(f)) return `forbidden text ${f.slice(0, 3)}… in the answer`;
  return undefined;
}

export interface EndpointStats { cases: number; statuses: Record<number, number>; maxMs: number; raw: number }

export function fuzzProperty(ep: Endpoint, ctx: FuzzContext, stats: EndpointStats): fc.IAsyncPropertyWithHooks<[FuzzCase]> {
  return fc.asyncProperty(caseFor(ep, ctx), async (c) => {
    const { req, used } = await resolve(ctx, ep, c);
    if (c.fault === 'smtp-down') ctx.mailer.fail = true;
    else ctx.directory.fault = c.fault;
    let res: WireResponse;
    try {
      res = await send(ctx.target, req);
    } finally {
      ctx.directory.fault = 'none';
      ctx.mailer.fail = false;
    }
    stats.cases++;
    stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
    stats.maxMs = Math.max(stats.maxMs, res.ms);
    if (res.raw) stats.raw++;
    // A used id or token may now be gone (cancelled, reset, logged out, or ended by the answer): replace it.
    let code: string | undefined;
    try { code = (JSON.parse(res.text) as { error?: { code?: string } }).error?.code; } catch { /* not JSON */ }
    for (const [k, i] of used) ctx.consumed(k, i, ep, res.status, code);
    const why = judge(ctx, c, req, res, ep);
    if (why) throw new Error(`${ep.method} ${ep.path}: ${why}\nrequest: ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 500)} body ${req.body?.subarray(0, 300).toString() ?? '-'}`);
  });
}

export function fcParams(examples: Array<[FuzzCase]> = []): fc.Parameters<[FuzzCase]> {
  return {
    numRuns: RUNS, examples, endOnFailure: false, interruptAfterTimeLimit: undefined,
    ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH } : {}),
  } as fc.Parameters<[FuzzCase]>;
}

/** Object, Array and Function prototypes as they are now: compared after the run (prototype pollution). */
export function prototypeSnapshot(): string {
  const keys = (o: object) => Object.getOwnPropertyNames(o).sort().join(',');
  return [keys(Object.prototype), keys(Array.prototype), keys(Function.prototype), keys(String.prototype), String(({} as Record<string, unknown>).polluted)].join('|');
}
