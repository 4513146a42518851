// The gateway's device CA: signs the client certificates relays get at join. Its key lives in the
// secret store (DPAPI on Windows, 0600 elsewhere); its certificate beside the store, so every
// gateway sharing a store must be given the same CA (see docs/deployment.md, HA).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from '../platform/secret-store.js';
import { createCa, importKeyPair, issueCertificate, publicKeySha256, verifiedCsrPublicKey } from '../pki/x509.js';

const KEY_NAME = 'device-ca-key';

export interface IssuedDeviceCert {
  readonly certPem: string;
  readonly serial: string;
  readonly publicKeySha256: string;
}

export class DeviceCa {
  private constructor(readonly certPem: string, private readonly keys: CryptoKeyPair) {}

  /** Loads the CA from `dir` + the secret store, making one on first use. */
  static async open(secrets: SecretStore, dir: string, name = 'Keyhatch device CA'): Promise<DeviceCa> {
    const certFile = join(dir, 'device-ca.crt');
    const key = await secrets.get(KEY_NAME);
    let certPem: string | undefined;
    try { certPem = await readFile(certFile, 'utf8'); } catch { /* first start */ }
    if (key && certPem) return new DeviceCa(certPem, await importKeyPair(key.toString('utf8'), certPem));
    if (key || certPem) throw new Error(`device CA is half present (${key ? 'key without certificate' : 'certificate without key'} in ${dir}); restore both from backup`);
    const made = await createCa(name, 20 * 365);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await secrets.set(KEY_NAME, Buffer.from(made.privateKeyPem));
    await writeFile(certFile, made.certPem, { mode: 0o644 });
    return new DeviceCa(made.certPem, await importKeyPair(made.privateKeyPem, made.certPem));
  }

  /** Signs the CSR's key for `deviceId`; undefined when the CSR is malformed or its signature is wrong. */
  async issue(csrPem: string, deviceId: string, days: number): Promise<IssuedDeviceCert | undefined> {
    const publicKey = await verifiedCsrPublicKey(csrPem);
    if (!publicKey) return undefined;
    const { certPem, serial } = await issueCertificate({ ca: { certPem: this.certPem, keys: this.keys }, publicKey, commonName: deviceId, days, usage: 'client' });
    return { certPem, serial, publicKeySha256: publicKeySha256(certPem) };
  }
}
