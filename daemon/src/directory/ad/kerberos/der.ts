// A minimal, strict DER reader for the few Kerberos and SPNEGO structures the acceptor reads.
// Every length is checked against its parent before anything is sliced; indefinite lengths,
// multi-byte tags and lengths past 16 MiB are refused. Errors are DerError, never a RangeError.

export class DerError extends Error {}

export interface Node {
  readonly tag: number;
  readonly value: Buffer;
  /** The whole element, header included (what a checksum or a replay key covers). */
  readonly raw: Buffer;
}

const MAX_LENGTH = 16 * 1024 * 1024;

/** The element starting at `offset`; `next` is where the following one starts. */
export function readNode(buf: Buffer, offset = 0): { node: Node; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated element header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let len = buf[offset + 1] as number;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > 3) throw new DerError('element too long');
    if (p + n > buf.length) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    p += n;
    if (len < 0x80 || (n > 1 && (buf[p - n] as number) === 0)) throw new DerError('length not in its shortest form');
  }
  if (len > MAX_LENGTH || p + len > buf.length) throw new DerError('element runs past its container');
  return { node: { tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) }, next: p + len };
}

/** Exactly one element filling `buf`. */
export function readOne(buf: Buffer, tag?: number, what = 'element'): Node {
  const { node, next } = readNode(buf, 0);
  if (next !== buf.length) throw new DerError(`trailing bytes after ${what}`);
  return tag === undefined ? node : expectTag(node, tag, what);
}

/** The elements that fill a constructed element's contents. */
export function children(node: Node): Node[] {
  if (!(node.tag & 0x20)) throw new DerError('primitive element where a constructed one belongs');
  const out: Node[] = [];
  for (let p = 0; p < node.value.length;) {
    const r = readNode(node.value, p);
    out.push(r.node);
    p = r.next;
  }
  return out;
}

export function expectTag(node: Node, tag: number, what: string): Node {
  if (node.tag !== tag) throw new DerError(`${what}: unexpected tag 0x${node.tag.toString(16)}`);
  return node;
}

/**
 * A SEQUENCE whose members are explicitly tagged [0], [1], …: the member inside each tag, by number.
 * Tags must ascend (DER order), and `required` must all be present.
 */
export function fields(node: Node, what: string, required: readonly number[]): Map<number, Node> {
  expectTag(node, 0x30, what);
  const out = new Map<number, Node>();
  let last = -1;
  for (const c of children(node)) {
    if ((c.tag & 0xe0) !== 0xa0) throw new DerError(`${what}: member is not context-tagged`);
    const n = c.tag & 0x1f;
    if (n <= last) throw new DerError(`${what}: members out of order`);
    last = n;
    out.set(n, readOne(c.value, undefined, `${what} [${n}]`));
  }
  for (const n of required) if (!out.has(n)) throw new DerError(`${what}: member [${n}] missing`);
  return out;
}

export function field(map: Map<number, Node>, n: number, what: string): Node {
  const f = map.get(n);
  if (!f) throw new DerError(`${what}: member [${n}] missing`);
  return f;
}

/** INTEGER that fits a JS number safely (Kerberos Int32/UInt32). */
export function integer(node: Node, what: string): number {
  const v = expectTag(node, 0x02, what).value;
  if (v.length === 0 || v.length > 5) throw new DerError(`${what}: integer out of range`);
  let n = (v[0] as number) & 0x80 ? -1 : 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

export function octets(node: Node, what: string): Buffer {
  return expectTag(node, 0x04, what).value;
}

/** KerberosString (GeneralString restricted to IA5 in practice; UTF-8 accepted as Windows sends it). */
export function kerberosString(node: Node, what: string): string {
  const s = expectTag(node, 0x1b, what).value.toString('utf8');
  // eslint-disable-next-line no-control-regex -- a name never holds control characters
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new DerError(`${what}: control character in name`);
  return s;
}

/** KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ", as milliseconds. */
export function kerberosTime(node: Node, what: string): number {
  const s = expectTag(node, 0x18, what).value.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new DerError(`${what}: not a KerberosTime`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(t)) throw new DerError(`${what}: not a KerberosTime`);
  return t;
}

/** BIT STRING as its bytes (Kerberos flags are 32 bits; bit 0 is the first byte's top bit). */
export function bits(node: Node, what: string): Buffer {
  const v = expectTag(node, 0x03, what).value;
  if (v.length < 1 || (v[0] as number) > 7) throw new DerError(`${what}: malformed bit string`);
  return v.subarray(1);
}

export function oid(node: Node, what: string): string {
  const v = expectTag(node, 0x06, what).value;
  if (v.length === 0 || v.length > 32) throw new DerError(`${what}: malformed object identifier`);
  const parts: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) { parts.push(n); n = 0; }
  }
  if ((v[v.length - 1] as number) & 0x80) throw new DerError(`${what}: malformed object identifier`);
  const first = parts.shift() as number;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}
