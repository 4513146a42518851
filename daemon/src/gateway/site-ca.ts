// `keyhatch gateway init`: a private CA and a server certificate for the gateway's HTTPS, for small
// sites and the demo (larger sites use a certificate from their own PKI). The server certificate
// file carries the CA too, so relays can verify the whole chain against their pin.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyhatchError } from '../errors/catalogue.js';
import { createCa, generateKeyPair, importKeyPair, issueCertificate } from '../pki/x509.js';
import { spkiPin } from '../relay/pin.js';

export interface SiteCaResult {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Pin of the CA's key: what relays are given (survives server certificate renewal). */
  readonly caPin: string;
}

export async function initSiteCa(dir: string, names: readonly string[], days = 825): Promise<SiteCaResult> {
  const files = { caFile: join(dir, 'site-ca.crt'), caKeyFile: join(dir, 'site-ca.key'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  for (const f of Object.values(files)) if (existsSync(f)) throw new KeyhatchError('BAD_REQUEST', { message: `${f} already exists; remove the directory's files first to make new ones` });
  // A directory that cannot be made or written (too long, read-only, a file in the way) is the operator's to fix.
  const writable = <T>(p: Promise<T>): Promise<T> => p.catch((err: NodeJS.ErrnoException) => {
    throw new KeyhatchError('BAD_REQUEST', { message: `cannot write the site CA into ${dir}: ${err.code ?? err.message}` });
  });
  await writable(mkdir(dir, { recursive: true, mode: 0o700 }));
  const ca = await createCa('Keyhatch site CA', 10 * 365);
  const server = await generateKeyPair();
  const { certPem } = await issueCertificate({
    ca: { certPem: ca.certPem, keys: await importKeyPair(ca.privateKeyPem, ca.certPem) },
    publicKey: server.keys.publicKey, commonName: names[0] ?? 'keyhatch-gateway', names, days, usage: 'server',
  });
  await writable(writeFile(files.caKeyFile, ca.privateKeyPem, { mode: 0o600 }));
  await writable(writeFile(files.keyFile, server.privateKeyPem, { mode: 0o600 }));
  await writable(writeFile(files.caFile, ca.certPem, { mode: 0o644 }));
  await writable(writeFile(files.certFile, certPem + ca.certPem, { mode: 0o644 }));
  return { caFile: files.caFile, certFile: files.certFile, keyFile: files.keyFile, caPin: spkiPin(ca.certPem) };
}
