// TLS towards the gateway: trust anchors (the chain pinned at join, plus the system's roots for a
// gateway with a public or enterprise certificate), host name check, then the pin. A connection whose
// chain does not lead to the pinned key is refused before any request is written.
import type { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { crypto, tls } from '../net/node-builtins.js';
import { chainMatchesPin } from './pin.js';

export class PinMismatchError extends Error {
  readonly code = 'GATEWAY_PIN_MISMATCH';
}

/** The presented chain, leaf first, as X509Certificate objects. */
export function peerChain(cert: PeerCertificate | DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = cert as DetailedPeerCertificate;
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new crypto.X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

export function pinnedServerIdentity(pin: string | undefined) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    const err = tls.checkServerIdentity(host, cert);
    if (err) return err;
    if (pin && !chainMatchesPin(peerChain(cert), pin)) return new PinMismatchError(`gateway certificate chain does not match pin ${pin}`);
    return undefined;
  };
}

export function trustAnchors(chainPem: string): string[] {
  return chainPem ? [...tls.rootCertificates, chainPem] : [...tls.rootCertificates];
}
