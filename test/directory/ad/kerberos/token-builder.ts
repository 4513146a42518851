// Builds Kerberos AP-REQs, GSS and SPNEGO tokens and keytabs the way a KDC and a browser would, so
// the acceptor's checks can each be driven one at a time (the Samba tests prove the real thing).
import { encrypt } from '../../../../daemon/src/directory/ad/kerberos/aes-cts.js';

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return Buffer.from([0x80 | b.length, ...b]);
};
export const tlv = (tag: number, ...content: Buffer[]): Buffer => { const c = Buffer.concat(content); return Buffer.concat([Buffer.from([tag]), len(c.length), c]); };
export const seq = (...c: Buffer[]) => tlv(0x30, ...c);
export const ctx = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const app = (n: number, inner: Buffer) => tlv(0x60 | n, inner);
export const int = (n: number) => {
  const b: number[] = [];
  let v = n;
  do { b.unshift(v & 0xff); v = Math.floor(v / 256); } while (v > 0);
  if ((b[0] as number) & 0x80) b.unshift(0);
  return tlv(0x02, Buffer.from(b));
};
export const gstr = (s: string) => tlv(0x1b, Buffer.from(s));
export const octs = (b: Buffer) => tlv(0x04, b);
const bitstr = (b: number[]) => tlv(0x03, Buffer.from([0, ...b]));
const ktime = (ms: number) => tlv(0x18, Buffer.from(`${new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`));
export function oidDer(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const g: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) g.unshift(0x80 | (v & 0x7f));
    out.push(...g);
  }
  return tlv(0x06, Buffer.from(out));
}
const principal = (type: number, parts: string[]) => seq(ctx(0, int(type)), ctx(1, seq(...parts.map(gstr))));

export interface TicketSpec {
  serviceKey: Buffer; etype?: number; kvno?: number; realm?: string; sname?: string[];
  crealm?: string; cname?: string; sessionKey?: Buffer; flags?: number[];
  authtime?: number; starttime?: number; endtime?: number;
  auth?: { crealm?: string; cname?: string; ctime?: number; key?: Buffer };
  apOptions?: number[];
}

export function apReq(s: TicketSpec): Buffer {
  const now = Date.now();
  const etype = s.etype ?? 18;
  const realm = s.realm ?? 'KEYHATCH.TEST';
  const crealm = s.crealm ?? realm;
  const cname = s.cname ?? 'alice';
  const session = s.sessionKey ?? Buffer.alloc(32, 7);
  const enc = seq(
    ctx(0, bitstr(s.flags ?? [0x40, 0x81, 0, 0])), ctx(1, seq(ctx(0, int(18)), ctx(1, octs(session)))), ctx(2, gstr(crealm)), ctx(3, principal(1, [cname])),
    ctx(4, seq(ctx(0, int(1)), ctx(1, octs(Buffer.alloc(0))))), ctx(5, ktime(s.authtime ?? now - 60_000)), ctx(6, ktime(s.starttime ?? now - 60_000)), ctx(7, ktime(s.endtime ?? now + 36_000_000)),
  );
  const ticket = app(1, seq(ctx(0, int(5)), ctx(1, gstr(realm)), ctx(2, principal(2, s.sname ?? ['HTTP', 'gw.keyhatch.test'])),
    ctx(3, seq(ctx(0, int(etype)), ctx(1, int(s.kvno ?? 2)), ctx(2, octs(encrypt(etype, s.serviceKey, 2, app(3, enc))))))));
  const a = s.auth ?? {};
  const authenticator = app(2, seq(ctx(0, int(5)), ctx(1, gstr(a.crealm ?? crealm)), ctx(2, principal(1, [a.cname ?? cname])), ctx(4, int(123)), ctx(5, ktime(a.ctime ?? now))));
  return app(14, seq(ctx(0, int(5)), ctx(1, int(14)), ctx(2, bitstr(s.apOptions ?? [0x20, 0, 0, 0])), ctx(3, ticket),
    ctx(4, seq(ctx(0, int(18)), ctx(2, octs(encrypt(18, a.key ?? session, 11, authenticator)))))));
}

export const krb5Token = (ap: Buffer, mech = '1.2.840.113554.1.2.2') => app(0, Buffer.concat([oidDer(mech), Buffer.from([1, 0]), ap]));
export const spnegoToken = (inner: Buffer, mechs = ['1.2.840.48018.1.2.2', '1.2.840.113554.1.2.2']) =>
  app(0, Buffer.concat([oidDer('1.3.6.1.5.5.2'), ctx(0, seq(ctx(0, seq(...mechs.map(oidDer))), ctx(2, octs(inner))))]));

export function keytab(entries: Array<{ principal: string[]; realm: string; etype: number; key: Buffer; kvno: number }>): Buffer {
  const str = (s: string) => { const b = Buffer.from(s); const l = Buffer.alloc(2); l.writeUInt16BE(b.length); return Buffer.concat([l, b]); };
  const parts = [Buffer.from([5, 2])];
  for (const e of entries) {
    const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
    const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
    const body = Buffer.concat([u16(e.principal.length), str(e.realm), ...e.principal.map(str), u32(1), u32(0), Buffer.from([e.kvno & 0xff]), u16(e.etype), u16(e.key.length), e.key, u32(e.kvno)]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    parts.push(size, body);
  }
  return Buffer.concat(parts);
}
