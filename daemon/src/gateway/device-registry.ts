// Joined workstations: join (token + CSR → device certificate), authentication of a presented
// client certificate, listing and revocation. The device's identity is its certificate, nothing
// the client says about itself.
import { randomBytes, X509Certificate } from 'node:crypto';
import { KeyhatchError } from '../errors/catalogue.js';
import type { AuditSink } from '../log/audit.js';
import type { DeviceRecord, Store } from '../store/store.js';
import { publicKeySha256 } from '../pki/x509.js';
import type { DeviceCa } from './device-ca.js';
import { hashJoinToken } from './join-tokens.js';

export interface JoinRequest {
  readonly token: string;
  readonly csr: string;
  readonly name: string;
  readonly domain?: string;
}

export interface JoinAnswer {
  readonly deviceId: string;
  readonly certificate: string;
  readonly caCertificate: string;
}

export interface DeviceRegistryDeps {
  readonly store: Store;
  readonly ca: DeviceCa;
  readonly audit: AuditSink;
  readonly now: () => number;
  readonly certDays: number;
}

const TOUCH_EVERY_MS = 60_000;

export class DeviceRegistry {
  private readonly touched = new Map<string, number>();

  constructor(private readonly d: DeviceRegistryDeps) {}

  async join(req: JoinRequest, source: string): Promise<JoinAnswer> {
    const correlationId = randomBytes(6).toString('hex');
    // The token is used up before the CSR is judged: a bad CSR still costs a use (no free probing).
    if (!(await this.d.store.joinTokens.consume(hashJoinToken(req.token), this.d.now()))) {
      this.d.audit.write({ correlationId, action: 'device.join', actor: 'unknown', result: 'refused', reason: 'JOIN_TOKEN_INVALID', source });
      throw new KeyhatchError('JOIN_TOKEN_INVALID');
    }
    const deviceId = `dev_${randomBytes(12).toString('base64url')}`;
    const issued = await this.d.ca.issue(req.csr, deviceId, this.d.certDays);
    if (!issued) {
      this.d.audit.write({ correlationId, action: 'device.join', actor: 'unknown', result: 'refused', reason: 'BAD_REQUEST', source, details: { why: 'CSR malformed or signature invalid' } });
      throw new KeyhatchError('BAD_REQUEST', { message: 'The certificate request is malformed or its signature is invalid.', reason: 'bad CSR' });
    }
    await this.d.store.devices.insert({
      id: deviceId, name: req.name, certSerial: issued.serial.toLowerCase(), publicKeySha256: issued.publicKeySha256,
      joinedAt: new Date(this.d.now()).toISOString(), ...(req.domain ? { domain: req.domain } : {}),
    });
    this.d.audit.write({ correlationId, action: 'device.join', actor: deviceId, target: req.name, result: 'success', device: deviceId, source });
    return { deviceId, certificate: issued.certPem, caCertificate: this.d.ca.certPem };
  }

  /**
   * Who is calling, from the TLS layer's view: `authorized` is node:tls's verdict against the device
   * CA (chain and dates); the registry then says whether this very certificate is a joined, unrevoked
   * device. Every failure refuses.
   */
  async authenticate(peer: { authorized: boolean; authorizationError?: string; raw?: Buffer }): Promise<DeviceRecord> {
    if (!peer.raw || peer.raw.length === 0) throw new KeyhatchError('DEVICE_CERT_REQUIRED', { reason: 'no client certificate' });
    if (!peer.authorized) throw new KeyhatchError('DEVICE_UNTRUSTED', { reason: `client certificate: ${peer.authorizationError ?? 'not verified'}` });
    const cert = new X509Certificate(peer.raw);
    const device = await this.d.store.devices.bySerial(cert.serialNumber.toLowerCase());
    if (!device || device.publicKeySha256 !== publicKeySha256(peer.raw) || !cert.subject.includes(`CN=${device.id}`)) {
      throw new KeyhatchError('DEVICE_UNKNOWN', { reason: `serial ${cert.serialNumber.toLowerCase()} not in the registry` });
    }
    if (device.revokedAt) throw new KeyhatchError('DEVICE_REVOKED', { reason: `device ${device.id} revoked ${device.revokedAt}` });
    const now = this.d.now();
    if ((this.touched.get(device.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.touched.set(device.id, now);
      await this.d.store.devices.touch(device.id, new Date(now).toISOString());
    }
    return device;
  }

  list(): Promise<DeviceRecord[]> { return this.d.store.devices.list(); }

  async revoke(id: string, actor: string): Promise<boolean> {
    const ok = await this.d.store.devices.revoke(id, new Date(this.d.now()).toISOString());
    this.d.audit.write({ correlationId: randomBytes(6).toString('hex'), action: 'device.revoke', actor, target: id, result: ok ? 'success' : 'failure', device: id });
    return ok;
  }
}
