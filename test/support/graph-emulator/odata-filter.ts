// A small, strict OData $filter evaluator for the expressions Microsoft Graph accepts on users:
//   prop eq|ne 'literal' | true | false | null,  startswith(prop,'x'),  coll/any(a:a eq 'x'),
//   not expr, (expr), and/or.
// String literals use OData escaping (a single quote is written twice). Anything else is a syntax
// error, as on Graph — so an unescaped quote in a value cannot widen a filter, it breaks it or
// becomes a different (parsed) expression that the tests can observe.

type Tok = { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'p'; v: string };

export class FilterSyntaxError extends Error {}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ') { i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += src[i];
        i++;
      }
      out.push({ t: 'str', v });
      continue;
    }
    if ('(),:/'.includes(c)) { out.push({ t: 'p', v: c }); i++; continue; }
    const m = /^[A-Za-z0-9_.@#$-]+/.exec(src.slice(i));
    if (!m) throw new FilterSyntaxError(`unexpected character '${c}'`);
    out.push({ t: 'id', v: m[0] });
    i += m[0].length;
  }
  return out;
}

export type Obj = Record<string, unknown>;
type Pred = (o: Obj) => boolean;

export interface ParsedFilter {
  test: Pred;
  /** Properties the filter touches (for advanced-query checks). */
  properties: Set<string>;
  operators: Set<string>;
}

function getProp(o: Obj, name: string): unknown {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

function eqValues(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return (a ?? null) === (b ?? null);
}

export function parseFilter(src: string): ParsedFilter {
  const toks = tokenize(src);
  let pos = 0;
  const properties = new Set<string>();
  const operators = new Set<string>();
  const peek = () => toks[pos];
  const next = () => { const t = toks[pos++]; if (!t) throw new FilterSyntaxError('unexpected end of filter'); return t; };
  const expect = (t: Tok['t'], v?: string) => {
    const k = next();
    if (k.t !== t || (v !== undefined && k.v.toLowerCase() !== v)) throw new FilterSyntaxError(`expected ${v ?? t}, got ${k.v}`);
    return k;
  };
  const literal = (): unknown => {
    const k = next();
    if (k.t === 'str') return k.v;
    if (k.t === 'id') {
      if (k.v === 'true') return true;
      if (k.v === 'false') return false;
      if (k.v === 'null') return null;
      if (/^-?\d+$/.test(k.v)) return Number(k.v);
    }
    throw new FilterSyntaxError(`expected a literal, got ${k.v}`);
  };

  const primary = (): Pred => {
    const k = next();
    if (k.t === 'p' && k.v === '(') { const e = orExpr(); expect('p', ')'); return e; }
    if (k.t !== 'id') throw new FilterSyntaxError(`unexpected ${k.v}`);
    const word = k.v.toLowerCase();
    if (word === 'not') { operators.add('not'); const e = primary(); return (o) => !e(o); }
    if (word === 'startswith' || word === 'endswith') {
      operators.add(word);
      expect('p', '(');
      const prop = expect('id').v; properties.add(prop);
      expect('p', ',');
      const v = literal();
      expect('p', ')');
      if (typeof v !== 'string') throw new FilterSyntaxError(`${word} needs a string`);
      return (o) => {
        const val = getProp(o, prop);
        if (typeof val !== 'string') return false;
        return word === 'startswith' ? val.toLowerCase().startsWith(v.toLowerCase()) : val.toLowerCase().endsWith(v.toLowerCase());
      };
    }
    const prop = k.v;
    properties.add(prop);
    const after = peek();
    if (after?.t === 'p' && after.v === '/') {
      next();
      const fn = expect('id').v.toLowerCase();
      if (fn !== 'any') throw new FilterSyntaxError(`unsupported lambda ${fn}`);
      operators.add('any');
      expect('p', '(');
      const v1 = expect('id').v;
      expect('p', ':');
      const v2 = expect('id').v;
      if (v1 !== v2) throw new FilterSyntaxError('lambda variable mismatch');
      expect('id', 'eq');
      const val = literal();
      expect('p', ')');
      return (o) => { const arr = getProp(o, prop); return Array.isArray(arr) && arr.some((x) => eqValues(x, val)); };
    }
    const op = expect('id').v.toLowerCase();
    if (op !== 'eq' && op !== 'ne') throw new FilterSyntaxError(`unsupported operator ${op}`);
    operators.add(op);
    const val = literal();
    return op === 'eq' ? (o) => eqValues(getProp(o, prop), val) : (o) => !eqValues(getProp(o, prop), val);
  };
  const andExpr = (): Pred => {
    let left = primary();
    while (peek()?.t === 'id' && peek()?.v.toLowerCase() === 'and') { next(); const l = left, r = primary(); left = (o) => l(o) && r(o); }
    return left;
  };
  const orExpr = (): Pred => {
    let left = andExpr();
    while (peek()?.t === 'id' && peek()?.v.toLowerCase() === 'or') { next(); operators.add('or'); const l = left, r = andExpr(); left = (o) => l(o) || r(o); }
    return left;
  };
  const test = orExpr();
  if (pos !== toks.length) throw new FilterSyntaxError(`unexpected ${toks[pos]?.v}`);
  return { test, properties, operators };
}
