// fast-check generators for hostile HTTP input: strings with the Unicode edge cases that break
// parsers, JSON bodies derived from the OpenAPI request schemas and then mutated (wrong types,
// missing and extra fields, prototype keys, huge and deeply nested values), raw non-JSON bodies,
// path parameters and headers.
import fc from 'fast-check';

/** Strings that have broken parsers before: NUL, lone surrogates, RTL override, combining marks, BOM, … */
export const EDGE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDC00', 'x\uD83D', '\uD83D\uDE00', '\u202Eevil\u202C', '\u200F\u05D0\u05D1', 'e\u0301\u0301\u0301\u0301',
  '\uFEFF', '\uFFFD', '\uFFFF', '\u2028\u2029', '\r\n', '\t', '\u0085', 'ǅ', 'ß', 'İ', 'ﬃ', 'Ａｌｉｃｅ', 'alice\u200B', 'ALICE', ' alice ',
  'FUZZ\\alice', 'fuzz.test\\alice', 'alice@fuzz.test', 'alice@', '@fuzz.test', '\\', '\\\\', '*', '(', ')', '*)(|(cn=*))', 'a=b,c=d', '#', '"', "'",
  '../../etc/passwd', '..\\..\\windows', '%00', '%2e%2e%2f', '${jndi:ldap://x}', '{{7*7}}', '<script>alert(1)</script>', '__proto__', 'constructor',
  'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', '-0', '1e309', '0x10', 'true', '[]', '{}', 'f1', 'f0', 'f99999999999999',
  'f-1', '123456', '000000', '9'.repeat(64), 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(1025), 'é'.repeat(600), '😀'.repeat(300),
];

const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // any code point, lone surrogates included
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\u202E', '\u0301', 'a', '\\', '@', '.', ' ', '%', '/', '"'), maxLength: 30 }),
);

/** Rarely a megabyte: enough to prove size limits hold without making every case slow. */
const huge = fc.constantFrom(10_000, 17_000, 100_000, 1 << 20).map((n) => 'A'.repeat(n));

export const fuzzString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 4, arbitrary: unicodeString },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 2000 }) },
  { weight: 1, arbitrary: fc.nat({ max: 200 }).map((n) => 'x'.repeat(n * 30)) },
);
const hugeString = huge;

/** Own enumerable keys that have polluted prototypes elsewhere (JSON.parse makes them own properties). */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
function withProtoKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...o };
  Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  return out;
}
const pollutionValue = fc.constantFrom<unknown>({ polluted: 'yes' }, { prototype: { polluted: 'yes' } }, { toString: 'x', valueOf: 1 }, 'yes', null, []);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [null], ['a'], { length: 1 }),
  fc.integer(), fc.double(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

export type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; oneOf?: JsonSchema[]; maxLength?: number };

/** Plausible values by field name, so derived bodies get past validation often enough to reach the logic. */
export interface BodyCtx {
  mail: string;
  passwords: readonly string[];
  /** More plausible values by field name; `\u0000live:KIND` is replaced by a live value when the case runs. */
  extra?: Record<string, readonly string[]>;
}

export function plausible(field: string, ctx: BodyCtx): fc.Arbitrary<unknown> {
  const extra = ctx.extra?.[field];
  if (extra && extra.length > 0) return fc.oneof(fc.constantFrom(...extra), plausibleByName(field, ctx));
  return plausibleByName(field, ctx);
}

function plausibleByName(field: string, ctx: BodyCtx): fc.Arbitrary<unknown> {
  switch (field) {
    case 'username': return fc.constantFrom('alice', 'bob', 'dave', 'grace', 'nobody', 'FUZZ\\alice', 'alice@fuzz.test', 'OTHER\\alice', 'x@other.example');
    case 'password': return fc.constantFrom(...ctx.passwords, 'wrong-Password-1', 'x');
    case 'factor': return fc.constantFrom('f1', 'f2', 'f3', 'f0');
    case 'contact': case 'address': return fc.constantFrom(ctx.mail, ctx.mail.toUpperCase(), 'someone@else.example', 'not-an-address');
    case 'phone': return fc.constantFrom('+15550100000', '+4915123456789', '0049 151', '+1');
    case 'response': return fc.oneof(fc.constantFrom('123456', '000000'), fc.record({ answers: fc.array(fc.record({ id: fc.string({ maxLength: 4 }), answer: fc.string({ maxLength: 10 }) }), { maxLength: 3 }) }));
    case 'newPassword': return fc.constantFrom('Fuzz-New-Pw-42!', 'short', 'keyhatch-Banned-1!', 'alice-Alice-1!', ...ctx.passwords);
    case 'unlock': return fc.boolean();
    case 'code': return fc.constantFrom('123456', '000000', '');
    case 'credential': return fc.record({ id: fc.string({ maxLength: 10 }), type: fc.constant('public-key'), response: fc.object({ maxDepth: 2 }) });
    case 'token': return fc.string({ minLength: 10, maxLength: 60 });
    case 'csr': return fc.constantFrom('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n'.padEnd(120, 'A'), 'A'.repeat(150));
    case 'name': return fc.constantFrom('pc-1', 'x'.repeat(64));
    case 'domain': return fc.constantFrom('fuzz.test', 'FUZZ', 'a..b');
    case 'question': return fc.constantFrom('What was the name of your first school?', 'In which city were you born?', 'Made up?');
    case 'answer': return fc.constantFrom('Springfield', 'ab', '');
    default: return fuzzString;
  }
}

function fromSchema(s: JsonSchema | undefined, field: string, ctx: BodyCtx, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 3) return fc.jsonValue({ maxDepth: 2 });
  if (s.oneOf) return fc.oneof(...s.oneOf.map((x) => fromSchema(x, field, ctx, depth + 1)));
  switch (s.type) {
    case 'string': return fc.oneof({ weight: 3, arbitrary: plausible(field, ctx) }, { weight: 2, arbitrary: fuzzString });
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(fromSchema(s.items, field, ctx, depth + 1), { maxLength: 25 });
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      if (props.length === 0) return field === 'response' || field === 'credential' ? plausible(field, ctx) : fc.constant({});
      return fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, k, ctx, depth + 1)])), { requiredKeys: s.required ?? [] });
    }
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}

/** One mutation of a schema-shaped object: a wrong type, a missing or extra field, a prototype key, a huge value. */
function mutate(base: fc.Arbitrary<unknown>, s: JsonSchema): fc.Arbitrary<unknown> {
  const fields = Object.keys(s.properties ?? {});
  const field = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('x');
  return fc.tuple(base, field, fc.nat({ max: 6 }), wrongType, hugeString, fc.constantFrom(...PROTO_KEYS), pollutionValue, fuzzString).map(([b, f, how, wrong, big, pk, pv, extra]) => {
    const o = (b && typeof b === 'object' && !Array.isArray(b) ? { ...(b as Record<string, unknown>) } : {}) as Record<string, unknown>;
    switch (how) {
      case 0: o[f] = wrong; return o;
      case 1: delete o[f]; return o;
      case 2: o[f] = big; return o;
      case 3: return withProtoKey(o, pk, pv);
      case 4: o[extra || 'extra'] = extra; return o;
      case 5: o[f] = withProtoKey({}, pk, pv); return o;
      default: return [o];
    }
  });
}

export interface Body { text?: string; json?: unknown }

/** Deep nesting as text (never built as an object here), from shallow to past any sane limit. */
const deepNesting = fc.tuple(fc.constantFrom(10, 100, 1000, 5000, 8000, 50_000), fc.constantFrom('[', '{"a":')).map(([n, open]) =>
  (open === '[' ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`));

const rawText = fc.oneof(
  fc.constantFrom('', '{', '}', 'null', 'true', '0', '"x"', '[]', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\u0000', '\uFEFF{}', '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"username":"alice","username":"bob"}', '{"a":1e99999}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', 'NaN'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  deepNesting,
);

export function bodyFor(schema: JsonSchema | undefined, ctx: BodyCtx): fc.Arbitrary<Body | undefined> {
  const shaped = schema ? fromSchema(schema, 'body', ctx) : fc.constant({});
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((json) => ({ json })) },
    { weight: 5, arbitrary: mutate(shaped, schema ?? {}).map((json) => ({ json })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })) },
    { weight: 2, arbitrary: rawText.map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

export function encodeBody(b: Body | undefined): Buffer | undefined {
  if (!b) return undefined;
  return Buffer.from(b.text ?? JSON.stringify(b.json) ?? '', 'utf8');
}

/** Percent-encodes UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser sends it). */
export function pctEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A made-up path parameter: well-formed, or something hostile (traversal, bad escapes, overlong). */
export const pathParam: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{10,64}$/) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 3, arbitrary: fuzzString.map((s) => pctEncode(s.slice(0, 3000)) || 'x') },
  { weight: 2, arbitrary: fc.constantFrom('%', '%zz', '%ff', '%00', '%c0%ae%c0%ae', '..', '.', '%2e%2e', '..%2f..%2fsecret.txt', '..%2F.hidden', '.hidden', '%2F', 'a%2Fb', ';', 'a;b=c', '*', '~', 'x'.repeat(5000), 'x'.repeat(20_000)) },
);

export const queryString = fc.oneof(
  { weight: 8, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('?__proto__[polluted]=yes', '?constructor[prototype][polluted]=yes', '?a=1&a=2', '?%zz', '?' + 'a=1&'.repeat(2000), '?id=../../x') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `?${pctEncode(s)}=${pctEncode(s)}`) },
);

export interface HeaderCtx { host: string; origin: string; kioskSecret?: string; bearer: fc.Arbitrary<string> }

const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'x', 'null', 'a'.repeat(9000), '\u00ff\u00fe', 'a\tb', 'é', '😀', '\u0000', 'a\r\nInjected: 1', 'a\nb'),
  fc.string({ maxLength: 40 }),
);

/** Headers a hostile client or a confused proxy sends. The realistic value is the most likely, to keep reaching handlers. */
export function headers(h: HeaderCtx): fc.Arbitrary<Array<[string, string]>> {
  const opt = (weightPresent: number, arb: fc.Arbitrary<string>, name: string) => fc.oneof(
    { weight: 10 - weightPresent, arbitrary: fc.constant<Array<[string, string]>>([]) },
    { weight: weightPresent, arbitrary: arb.map((v): Array<[string, string]> => [[name, v]]) },
  );
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json; charset=utf-16le', 'application/json; charset=latin1', 'application/json; charset=x-unknown',
      'APPLICATION/JSON', 'application/json;;;', 'application/jsonx', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/*', '*/*', '') },
    { weight: 1, arbitrary: headerValue },
  );
  return fc.tuple(
    opt(8, fc.oneof({ weight: 8, arbitrary: fc.constant(h.host) }, { weight: 1, arbitrary: fc.constantFrom('evil.example', `evil.example:${h.host.split(':')[1]}`, 'localhost', '127.0.0.1:1', '[::1]', '[::1', 'localhost:abc', 'a b', '', 'xn--80ak6aa92e.com') }, { weight: 1, arbitrary: headerValue }), 'Host'),
    opt(2, fc.oneof(fc.constant(h.origin), fc.constantFrom('null', 'http://evil.example', 'https://localhost', `${h.origin}/`, 'file://', '://', h.origin.replace('127.0.0.1', 'localhost')), headerValue), 'Origin'),
    opt(9, contentType, 'Content-Type'),
    opt(9, fc.oneof({ weight: 10, arbitrary: fc.constant(h.kioskSecret ?? '') }, { weight: 1, arbitrary: headerValue }), 'X-Keyhatch-Kiosk'),
    opt(7, fc.oneof({ weight: 6, arbitrary: h.bearer.map((t) => `Bearer ${t}`) }, { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'bearer abc', `Bearer ${'A'.repeat(101)}`) }, { weight: 1, arbitrary: headerValue }), 'Authorization'),
    opt(1, fc.oneof(fc.constantFrom('a=b', 'session=x; token=y', '__proto__=x', 'a'.repeat(4000)), headerValue), 'Cookie'),
    opt(2, fc.oneof(fc.constantFrom('1.2.3.4', '1.2.3.4, 127.0.0.1', 'unknown', '::1', '::ffff:1.2.3.4', '999.1.1.1', Array(500).fill('10.0.0.1').join(', ')), headerValue), 'X-Forwarded-For'),
    opt(2, fc.oneof(fc.constantFrom('de', 'de-DE,de;q=0.9', 'zz', '*', 'x'.repeat(500), 'en;q=abc', ',,,'), headerValue), 'Accept-Language'),
    opt(1, fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), headerValue), 'X-Keyhatch-Kiosk-Binding'),
    opt(1, fc.constantFrom('chunked', 'gzip', 'identity', 'chunked, gzip'), 'Transfer-Encoding'),
    opt(1, fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown'), 'Content-Encoding'),
    opt(1, fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), headerValue).map(([n, v]) => `${n}\u0000${v}`), 'X-Extra'),
  ).map((parts) => parts.flat().map(([n, v]): [string, string] => (n === 'X-Extra' ? (v.split('\u0000') as [string, string]) : [n, v])));
}

/** Content-Length honest most of the time; otherwise short, long or zero. */
export const lengthDelta = fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 100, -5) });
