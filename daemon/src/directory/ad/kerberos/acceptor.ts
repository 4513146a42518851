// The Kerberos acceptor behind HTTP Negotiate: decrypts the service ticket with the keytab's key for
// the configured SPN (key usage 2) and the authenticator with the ticket's session key (usage 11),
// then checks everything it relies on: the ticket is for our SPN in our realm, not invalid, within
// its times; the client is of our realm (no cross-realm) and one-component; the authenticator names
// the ticket's client, is fresh (5-minute skew) and has never been seen (replay cache). The PAC and
// client addresses are not read: groups come from the directory over LDAP, and HTTP carries no
// address binding. No AP-REP is returned (the browser's TLS session already authenticates us).
import { createHash } from 'node:crypto';
import { KeyhatchError } from '../../../errors/catalogue.js';
import type { ReplayCache } from '../../directory.js';
import { CryptoError, SUPPORTED_ETYPES, decrypt } from './aes-cts.js';
import { DerError } from './der.js';
import type { KeytabEntry } from './keytab.js';
import { apReqFromNegotiate, decodeApReq, decodeAuthenticator, decodeEncTicketPart, type PrincipalName } from './messages.js';


export interface ServicePrincipal { readonly components: readonly string[]; readonly realm: string }

const KEY_USAGE_TICKET = 2;
const KEY_USAGE_AUTHENTICATOR = 11;
export const SKEW_MS = 5 * 60 * 1000;
/** A browser's Negotiate token is 1–12 KiB (Windows tickets carry a PAC); anything beyond is refused before decoding. */
export const MAX_TOKEN_BYTES = 64 * 1024;

export function parseServicePrincipal(spn: string): ServicePrincipal {
  const m = /^([^/@\s]+)\/([^/@\s]+)@([^/@\s]+)$/.exec(spn);
  if (!m) throw new Error('write the service principal as HTTP/host.example.com@REALM');
  return { components: [m[1] as string, (m[2] as string).toLowerCase()], realm: (m[3] as string).toUpperCase() };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]?.toLowerCase());
const named = (p: PrincipalName) => p.parts.join('/');
const malformed = (reason: string) => new KeyhatchError('NEGOTIATE_MALFORMED', { reason });
const refused = (reason: string) => new KeyhatchError('NEGOTIATE_FAILED', { reason });

export interface AcceptedClient { readonly name: string; readonly realm: string }

export class KerberosAcceptor {
  constructor(private readonly d: { spn: ServicePrincipal; keytab: readonly KeytabEntry[]; replay: ReplayCache; now: () => number }) {}

  /** Keys the keytab holds for our SPN, in a supported encryption type. */
  serviceKeys(): KeytabEntry[] {
    return this.d.keytab.filter((k) => k.realm.toUpperCase() === this.d.spn.realm && same(k.components, this.d.spn.components) && SUPPORTED_ETYPES.includes(k.etype));
  }

  /** The client a base64 Negotiate token proves; NEGOTIATE_MALFORMED or NEGOTIATE_FAILED (with the reason for the audit) otherwise. */
  async accept(tokenBase64: string): Promise<AcceptedClient> {
    if (tokenBase64.length > Math.ceil(MAX_TOKEN_BYTES / 3) * 4) throw malformed('token too large');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(tokenBase64) || tokenBase64.length % 4 !== 0) throw malformed('token is not base64');
    let apReq;
    try { apReq = decodeApReq(apReqFromNegotiate(Buffer.from(tokenBase64, 'base64'))); } catch (err) {
      if (err instanceof DerError) throw malformed(err.message);
      throw err;
    }
    const { ticket } = apReq;
    // ap-options bit 1: use-session-key (user-to-user); the ticket would not be under our key.
    if (((apReq.options[0] ?? 0) & 0x40) !== 0) throw refused('user-to-user tickets are not accepted');
    if (ticket.realm.toUpperCase() !== this.d.spn.realm || !same(ticket.sname.parts, this.d.spn.components)) {
      throw refused(`ticket is for ${named(ticket.sname)}@${ticket.realm}, not this service`);
    }
    if (!SUPPORTED_ETYPES.includes(ticket.encPart.etype)) throw refused(`ticket encryption type ${ticket.encPart.etype} is not accepted (AES only)`);
    const keys = this.serviceKeys().filter((k) => k.etype === ticket.encPart.etype && (ticket.encPart.kvno === undefined || k.kvno === ticket.encPart.kvno));
    if (keys.length === 0) throw refused(`no key in the keytab for encryption type ${ticket.encPart.etype}, kvno ${ticket.encPart.kvno ?? '-'}`);
    const plain = keys.map((k) => this.open(ticket.encPart.etype, k.key, KEY_USAGE_TICKET, ticket.encPart.cipher)).find((p) => p !== undefined);
    if (!plain) throw refused('ticket does not decrypt with the service key');
    const part = this.decode(() => decodeEncTicketPart(plain));
    // Ticket flag 7: invalid (a postdated ticket not yet validated by the KDC).
    if (((part.flags[0] ?? 0) & 0x01) !== 0) throw refused('ticket is marked invalid');
    const now = this.d.now();
    if ((part.starttime ?? part.authtime) - SKEW_MS > now) throw refused('ticket is not valid yet');
    if (part.endtime + SKEW_MS < now) throw refused('ticket has expired');
    if (part.crealm.toUpperCase() !== this.d.spn.realm) throw refused(`client realm ${part.crealm} is not the directory's`);
    if (part.cname.parts.length !== 1) throw refused('client is not a user principal');
    if (!SUPPORTED_ETYPES.includes(part.key.type)) throw refused(`session key type ${part.key.type} is not accepted`);
    const authPlain = this.open(apReq.authenticator.etype === part.key.type ? part.key.type : -1, part.key.value, KEY_USAGE_AUTHENTICATOR, apReq.authenticator.cipher);
    if (!authPlain) throw refused('authenticator does not decrypt with the session key');
    const auth = this.decode(() => decodeAuthenticator(authPlain));
    if (auth.crealm !== part.crealm || named(auth.cname) !== named(part.cname)) {
      throw refused('authenticator names another client than the ticket');
    }
    if (Math.abs(auth.ctime - now) > SKEW_MS) throw refused('authenticator time is outside the allowed clock skew');
    const seen = createHash('sha256').update(apReq.authenticator.cipher).digest('base64url');
    if (!(await this.d.replay.claim(seen, 2 * SKEW_MS))) throw refused('replayed authenticator');
    return { name: part.cname.parts[0] as string, realm: part.crealm.toUpperCase() };
  }

  private open(etype: number, key: Buffer, usage: number, cipher: Buffer): Buffer | undefined {
    try { return decrypt(etype, key, usage, cipher); } catch (err) {
      if (err instanceof CryptoError) return undefined;
      throw err;
    }
  }

  /** Decrypted yet undecodable: the sender holds our key but sent nonsense — a refusal, not a parse error of the token. */
  private decode<T>(fn: () => T): T {
    try { return fn(); } catch (err) {
      if (err instanceof DerError) throw refused(`decrypted part is malformed: ${err.message}`);
      throw err;
    }
  }
}
