// The emulator's own PKI, made with openssl at test time: a test CA, a server certificate for
// 127.0.0.1/localhost signed by it, and a self-signed certificate an app registration can hold
// (certificate credentials). Nothing here is trusted by the system.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmulatorPki {
  dir: string;
  caFile: string;
  caPem: string;
  serverKey: string;
  serverCert: string;
  /** App credential: certificate + private key files (PEM). */
  appCertFile: string;
  appKeyFile: string;
  appCertPem: string;
  /** A second, unregistered certificate (a wrong credential). */
  otherCertFile: string;
  otherKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

let cached: EmulatorPki | undefined;

export function makePki(): EmulatorPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'keyhatch-graph-pki-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Keyhatch Graph Emulator Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  writeFileSync(join(dir, 'server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  for (const name of ['app', 'other']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=keyhatch-${name}-credential`], dir);
  }
  cached = {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
    serverCert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    appCertFile: join(dir, 'app.pem'),
    appKeyFile: join(dir, 'app.key'),
    appCertPem: readFileSync(join(dir, 'app.pem'), 'utf8'),
    otherCertFile: join(dir, 'other.pem'),
    otherKeyFile: join(dir, 'other.key'),
  };
  return cached;
}
