// X.509 in pure TypeScript (@peculiar/x509 over Node's WebCrypto): key pairs, CSRs, CA and leaf
// certificates. Used by `gateway init`, the gateway's device CA and `keyhatch join`; never by a
// running relay (it only hands its PEM files to node:tls).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** PEM with a final newline, so files and bundles concatenate cleanly. */
const pem = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

export interface KeyPairPem { readonly privateKeyPem: string; readonly keys: CryptoKeyPair }

export async function generateKeyPair(): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, privateKeyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string };
}

export async function importKeyPair(privateKeyPem: string, certPem: string): Promise<CryptoKeyPair> {
  const der = createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
  const publicKey = await new x509.X509Certificate(certPem).publicKey.export(ALG, ['verify'], webcrypto as unknown as Crypto);
  return { privateKey, publicKey } as CryptoKeyPair;
}

/** A random positive serial (hex, 16 bytes, high bit clear). */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f | 0x01;
  return b.toString('hex');
}

/** Distinguished-name values must not carry DN syntax; device names are informational only. */
function cnValue(s: string): string {
  return s.replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 64) || 'unnamed';
}

export async function createCa(commonName: string, days: number): Promise<{ certPem: string; privateKeyPem: string }> {
  const { keys, privateKeyPem } = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(), name: `CN=${cnValue(commonName)}`, notBefore: new Date(Date.now() - 5 * 60_000), notAfter: new Date(Date.now() + days * DAY),
    keys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.toString('pem')), privateKeyPem };
}

export interface IssueOptions {
  readonly ca: { certPem: string; keys: CryptoKeyPair };
  readonly publicKey: x509.PublicKey | CryptoKey;
  readonly commonName: string;
  readonly days: number;
  readonly usage: 'server' | 'client';
  /** Server certificates: DNS names and IP addresses. */
  readonly names?: readonly string[];
  readonly serial?: string;
}

export async function issueCertificate(o: IssueOptions): Promise<{ certPem: string; serial: string }> {
  const serial = o.serial ?? randomSerial();
  const caCert = new x509.X509Certificate(o.ca.certPem);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension([o.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false, webcrypto as unknown as Crypto),
  ];
  if (o.names && o.names.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(o.names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })), false));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial, subject: `CN=${cnValue(o.commonName)}`, issuer: caCert.subject,
    notBefore: new Date(Date.now() - 5 * 60_000), notAfter: new Date(Date.now() + o.days * DAY),
    signingKey: o.ca.keys.privateKey, publicKey: o.publicKey, signingAlgorithm: ALG, extensions,
  });
  return { certPem: pem(cert.toString('pem')), serial };
}

export async function createCsr(keys: CryptoKeyPair, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cnValue(commonName)}`, keys, signingAlgorithm: ALG });
  return pem(csr.toString('pem'));
}

/** Parses and verifies a CSR's self-signature (proof the requester holds the key); returns its public key. */
export async function verifiedCsrPublicKey(csrPem: string): Promise<x509.PublicKey | undefined> {
  let csr: x509.Pkcs10CertificateRequest;
  try { csr = new x509.Pkcs10CertificateRequest(csrPem); } catch { return undefined; }
  if (!(await csr.verify().catch(() => false))) return undefined;
  return csr.publicKey;
}

/** SHA-256 (hex) of a certificate's SPKI, as the device registry keeps it. */
export function publicKeySha256(certPem: string | Buffer): string {
  return createHash('sha256').update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}
