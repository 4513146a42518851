// `keyhatch doctor` on a relay: no directory to check; instead the join, the files it keeps, and for
// each gateway URL whether it answers, presents a certificate matching the pin and accepts this device.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RelaySettings } from '../config/relay-config.js';
import { machineCertificate, relayDir, relayIdentity } from '../relay/device-identity.js';
import { GatewayClient } from '../relay/gateway-client.js';

export interface RelayCheck { readonly name: string; readonly ok: boolean; readonly detail: string }

export async function relayDoctor(c: RelaySettings): Promise<RelayCheck[]> {
  const checks: RelayCheck[] = [{ name: 'config', ok: true, detail: 'role relay; no directory, delivery or database settings' }];
  const machine = machineCertificate(c.gateway);
  let identity;
  try { identity = await relayIdentity(c); } catch (err) {
    checks.push({ name: 'device identity', ok: false, detail: (err as Error).message });
    return checks;
  }
  if (!identity) {
    checks.push({ name: 'device identity', ok: false, detail: `not joined (nothing in ${relayDir(c.dataDir)}): run keyhatch join --gateway URL --token T --pin sha256/…` });
    return checks;
  }
  checks.push({ name: 'device identity', ok: true, detail: machine ? `machine certificate ${machine.certFile} (the gateway must list its issuing CA in gateway.machineCaFile)` : `${identity.deviceId}, key in the secret store` });
  if (process.platform !== 'win32') {
    const keyFile = machine?.keyFile ?? join(relayDir(c.dataDir), 'secrets', 'device-key.secret');
    const mode = (await stat(keyFile)).mode & 0o777;
    checks.push({ name: 'device key file', ok: (mode & 0o077) === 0, detail: `${keyFile} mode ${mode.toString(8)}` });
  }
  const pin = c.gateway.pin ?? identity.pin;
  checks.push({ name: 'gateway pin', ok: pin !== undefined, detail: pin ?? 'none: the gateway is trusted by the system CAs only (set gateway.pin / KEYHATCH_GATEWAY_PIN)' });
  for (const url of c.gateway.urls ?? identity.urls) {
    const client = new GatewayClient({ identity, urls: [url], ...(pin ? { pin } : {}), connectTimeoutMs: 5_000, timeoutMs: 10_000 });
    const s = await client.ping();
    client.close();
    checks.push({ name: `gateway ${url}`, ok: s.state === 'ok', detail: s.state === 'ok' ? 'answers, certificate matches the pin, device accepted' : `${s.state}: ${s.detail ?? ''}` });
  }
  return checks;
}
