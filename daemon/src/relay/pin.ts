// Public-key pins: `sha256/<base64>` of a certificate's SubjectPublicKeyInfo (as in HPKP), so a pin
// survives certificate renewal with the same key and can name a CA or the gateway's own certificate.
import type { X509Certificate } from 'node:crypto';
import { crypto } from '../net/node-builtins.js';

export function spkiPin(cert: X509Certificate | string | Buffer): string {
  const x = cert instanceof crypto.X509Certificate ? cert : new crypto.X509Certificate(cert);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${crypto.createHash('sha256').update(spki).digest('base64')}`;
}

/** Splits a PEM bundle into its certificates (order kept). */
export function pemCertificates(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new crypto.X509Certificate(m[0]));
}

/**
 * True when `pin` names the leaf or a certificate that the leaf's chain really leads to: each link
 * is checked by signature, so a presented CA certificate that did not sign the chain cannot match.
 */
export function chainMatchesPin(chain: readonly X509Certificate[], pin: string): boolean {
  let current = chain[0];
  if (!current) return false;
  const seen = new Set<X509Certificate>();
  while (current && !seen.has(current)) {
    seen.add(current);
    if (spkiPin(current) === pin) return true;
    const child: X509Certificate = current;
    const issuer = chain.find((c) => !seen.has(c) && child.checkIssued(c) && child.verify(c.publicKey));
    current = issuer;
  }
  return false;
}
