// From the HTTP Negotiate token down to the Kerberos AP-REQ, and the AP-REQ's parts (RFC 4120,
// RFC 4121 framing, RFC 4178 SPNEGO). Decoding only: what the parts mean is judged in acceptor.ts.
import { DerError, bits, children, expectTag, field, fields, integer, kerberosString, kerberosTime, octets, oid, readNode, readOne, type Node } from './der.js';

export const OID_SPNEGO = '1.3.6.1.5.5.2';
export const OID_KRB5 = '1.2.840.113554.1.2.2';
/** The Kerberos OID as old Windows versions mis-encoded it; still offered first by some clients. */
export const OID_MS_KRB5 = '1.2.840.48018.1.2.2';
const KRB5_MECHS = [OID_KRB5, OID_MS_KRB5];

export interface PrincipalName { readonly type: number; readonly parts: readonly string[] }
export interface EncryptedData { readonly etype: number; readonly kvno?: number; readonly cipher: Buffer }

export interface ApReq {
  readonly options: Buffer;
  readonly ticket: { readonly realm: string; readonly sname: PrincipalName; readonly encPart: EncryptedData };
  readonly authenticator: EncryptedData;
}

export interface EncTicketPart {
  readonly flags: Buffer;
  readonly key: { readonly type: number; readonly value: Buffer };
  readonly crealm: string;
  readonly cname: PrincipalName;
  readonly authtime: number;
  readonly starttime?: number;
  readonly endtime: number;
}

export interface Authenticator {
  readonly crealm: string;
  readonly cname: PrincipalName;
  readonly cusec: number;
  readonly ctime: number;
}

/** The GSS-API initial-context framing: [APPLICATION 0] { mech OID, mech-specific bytes }. */
function gssFrame(buf: Buffer): { mech: string; inner: Buffer } {
  const frame = readOne(buf, 0x60, 'GSS-API token');
  const { node, next } = readNode(frame.value, 0);
  return { mech: oid(node, 'GSS-API mechanism'), inner: frame.value.subarray(next) };
}

/** A raw GSS Kerberos token (TOK_ID 01 00) to its AP-REQ bytes. */
function krb5ApReqBytes(buf: Buffer): Buffer {
  const { mech, inner } = gssFrame(buf);
  if (!KRB5_MECHS.includes(mech)) throw new DerError(`mechanism ${mech} is not Kerberos`);
  if (inner.length < 2 || inner[0] !== 0x01 || inner[1] !== 0x00) throw new DerError('Kerberos token is not an AP-REQ (TOK_ID 01 00)');
  return inner.subarray(2);
}

/**
 * The AP-REQ inside an HTTP Negotiate token: SPNEGO NegTokenInit whose first (preferred) mechanism is
 * Kerberos with its optimistic token, or a raw Kerberos GSS token. NTLM is never accepted.
 */
export function apReqFromNegotiate(token: Buffer): Buffer {
  if (token.subarray(0, 8).toString('latin1') === 'NTLMSSP\0') throw new DerError('NTLM is not accepted, only Kerberos');
  const { mech, inner } = gssFrame(token);
  if (mech !== OID_SPNEGO) return krb5ApReqBytes(token);
  const init = fields(readOne(readOne(inner, 0xa0, 'NegotiationToken').value, undefined, 'NegTokenInit'), 'NegTokenInit', [0]);
  const mechs = children(expectTag(field(init, 0, 'NegTokenInit'), 0x30, 'mechTypes')).map((m) => oid(m, 'mechType'));
  // RFC 4178: the optimistic mechToken is for the first mechanism listed.
  if (!mechs[0] || !KRB5_MECHS.includes(mechs[0])) throw new DerError(`preferred mechanism ${mechs[0] ?? 'none'} is not Kerberos`);
  const mechToken = init.get(2);
  if (!mechToken) throw new DerError('NegTokenInit carries no Kerberos token');
  return krb5ApReqBytes(octets(mechToken, 'mechToken'));
}

function principalName(node: Node, what: string): PrincipalName {
  const f = fields(node, what, [0, 1]);
  const parts = children(expectTag(field(f, 1, what), 0x30, `${what} name-string`)).map((p) => kerberosString(p, what));
  if (parts.length === 0 || parts.length > 8) throw new DerError(`${what}: bad number of name components`);
  return { type: integer(field(f, 0, what), what), parts };
}

function encryptedData(node: Node, what: string): EncryptedData {
  const f = fields(node, what, [0, 2]);
  const kvno = f.get(1);
  return { etype: integer(field(f, 0, what), what), ...(kvno ? { kvno: integer(kvno, what) } : {}), cipher: octets(field(f, 2, what), what) };
}

function versionIs5(f: Map<number, Node>, n: number, what: string): void {
  if (integer(field(f, n, what), what) !== 5) throw new DerError(`${what}: not Kerberos version 5`);
}

export function decodeApReq(buf: Buffer): ApReq {
  const f = fields(readOne(readOne(buf, 0x6e, 'AP-REQ').value, 0x30, 'AP-REQ'), 'AP-REQ', [0, 1, 2, 3, 4]);
  versionIs5(f, 0, 'AP-REQ');
  if (integer(field(f, 1, 'AP-REQ'), 'msg-type') !== 14) throw new DerError('AP-REQ: wrong message type');
  const t = fields(readOne(expectTag(field(f, 3, 'AP-REQ'), 0x61, 'Ticket').value, 0x30, 'Ticket'), 'Ticket', [0, 1, 2, 3]);
  versionIs5(t, 0, 'Ticket');
  return {
    options: bits(field(f, 2, 'AP-REQ'), 'ap-options'),
    ticket: { realm: kerberosString(field(t, 1, 'Ticket'), 'realm'), sname: principalName(field(t, 2, 'Ticket'), 'sname'), encPart: encryptedData(field(t, 3, 'Ticket'), 'ticket enc-part') },
    authenticator: encryptedData(field(f, 4, 'AP-REQ'), 'authenticator'),
  };
}

export function decodeEncTicketPart(buf: Buffer): EncTicketPart {
  const f = fields(readOne(readOne(buf, 0x63, 'EncTicketPart').value, 0x30, 'EncTicketPart'), 'EncTicketPart', [0, 1, 2, 3, 5, 7]);
  const key = fields(field(f, 1, 'EncTicketPart'), 'session key', [0, 1]);
  const start = f.get(6);
  return {
    flags: bits(field(f, 0, 'EncTicketPart'), 'ticket flags'),
    key: { type: integer(field(key, 0, 'session key'), 'keytype'), value: octets(field(key, 1, 'session key'), 'keyvalue') },
    crealm: kerberosString(field(f, 2, 'EncTicketPart'), 'crealm'),
    cname: principalName(field(f, 3, 'EncTicketPart'), 'cname'),
    authtime: kerberosTime(field(f, 5, 'EncTicketPart'), 'authtime'),
    ...(start ? { starttime: kerberosTime(start, 'starttime') } : {}),
    endtime: kerberosTime(field(f, 7, 'EncTicketPart'), 'endtime'),
  };
}

export function decodeAuthenticator(buf: Buffer): Authenticator {
  const f = fields(readOne(readOne(buf, 0x62, 'Authenticator').value, 0x30, 'Authenticator'), 'Authenticator', [0, 1, 2, 4, 5]);
  versionIs5(f, 0, 'Authenticator');
  return {
    crealm: kerberosString(field(f, 1, 'Authenticator'), 'crealm'),
    cname: principalName(field(f, 2, 'Authenticator'), 'cname'),
    cusec: integer(field(f, 4, 'Authenticator'), 'cusec'),
    ctime: kerberosTime(field(f, 5, 'Authenticator'), 'ctime'),
  };
}
