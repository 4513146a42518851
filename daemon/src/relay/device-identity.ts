// What a joined relay keeps: its device certificate, the gateway's certificate chain it verified at
// join, the gateway URL(s) and pin — and its private key, in the secret store (DPAPI machine scope on
// Windows, a 0600 file in a 0700 directory elsewhere). No directory or enrollment data, ever.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readConfiguredFile } from '../config/configured-file.js';
import { createSecretStore, type SecretStore } from '../platform/secret-store.js';
import { loadNativeAddon, nativeAddonAvailable } from '../platform/native-addon.js';

const KEY_NAME = 'device-key';

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The gateway's certificate chain as seen (and pin-checked) at join: the trust anchors for it. */
  readonly gatewayChainPem: string;
  readonly urls: readonly string[];
  readonly pin?: string;
}

interface JoinRecord { deviceId: string; urls: string[]; pin?: string; joinedAt: string }

export function relayDir(dataDir: string): string { return join(dataDir, 'relay'); }

export function relaySecrets(dataDir: string): SecretStore {
  return createSecretStore(join(relayDir(dataDir), 'secrets'), process.platform === 'win32' && nativeAddonAvailable() ? loadNativeAddon() : undefined);
}

export async function loadIdentity(dataDir: string, secrets = relaySecrets(dataDir)): Promise<DeviceIdentity | undefined> {
  const dir = relayDir(dataDir);
  let record: JoinRecord;
  let certPem: string;
  let gatewayChainPem: string;
  // Three small files read once at start, before the relay serves: synchronous reads skip a thread
  // pool round trip each on the boot path.
  try {
    record = JSON.parse(readFileSync(join(dir, 'join.json'), 'utf8')) as JoinRecord;
    certPem = readFileSync(join(dir, 'device.crt'), 'utf8');
    gatewayChainPem = readFileSync(join(dir, 'gateway-chain.pem'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = await secrets.get(KEY_NAME);
  if (!key) return undefined;
  return { deviceId: record.deviceId, certPem, keyPem: key.toString('utf8'), gatewayChainPem, urls: record.urls, ...(record.pin ? { pin: record.pin } : {}) };
}

/** The relay settings of a machine certificate (config gateway.certFile/keyFile/caFile). */
export interface MachineCertificateSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string | undefined;
}

/**
 * A device without a join: a machine certificate (e.g. from AD CS autoenrollment) and its key, from
 * an issuing CA the gateway lists in gateway.machineCaFile. The gateway names the device from the
 * certificate's DNS name; the gateway's own CA comes from caFile (else the system's roots), the pin
 * from the config.
 */
function machineIdentity(m: MachineCertificateSettings, urls: readonly string[], pin: string | undefined): DeviceIdentity {
  return {
    deviceId: 'machine-certificate', certPem: readConfiguredFile(m.certFile, 'gateway.certFile'), keyPem: readConfiguredFile(m.keyFile, 'gateway.keyFile'),
    gatewayChainPem: m.caFile ? readConfiguredFile(m.caFile, 'gateway.caFile') : '', urls, ...(pin ? { pin } : {}),
  };
}

type RelayGatewaySettings = Partial<MachineCertificateSettings> & { readonly urls?: readonly string[] | undefined; readonly pin?: string | undefined };

/** The machine certificate the config names (both files), else undefined: the relay uses what its join kept. */
export function machineCertificate(g: RelayGatewaySettings): MachineCertificateSettings | undefined {
  return g.certFile && g.keyFile ? { certFile: g.certFile, keyFile: g.keyFile, caFile: g.caFile } : undefined;
}

/** The relay's device: its machine certificate when the config names one, else what its join kept (undefined: not joined). */
export async function relayIdentity(c: { readonly dataDir: string; readonly gateway: RelayGatewaySettings }): Promise<DeviceIdentity | undefined> {
  const machine = machineCertificate(c.gateway);
  return machine ? machineIdentity(machine, c.gateway.urls ?? [], c.gateway.pin) : loadIdentity(c.dataDir);
}

export async function saveIdentity(dataDir: string, id: DeviceIdentity, secrets = relaySecrets(dataDir)): Promise<void> {
  const dir = relayDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await secrets.set(KEY_NAME, Buffer.from(id.keyPem));
  await writeFile(join(dir, 'device.crt'), id.certPem, { mode: 0o644 });
  await writeFile(join(dir, 'gateway-chain.pem'), id.gatewayChainPem, { mode: 0o644 });
  const record: JoinRecord = { deviceId: id.deviceId, urls: [...id.urls], ...(id.pin ? { pin: id.pin } : {}), joinedAt: new Date().toISOString() };
  await writeFile(join(dir, 'join.json'), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
}
