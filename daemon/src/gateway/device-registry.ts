// Joined workstations: join (token + CSR → device certificate), authentication of a presented
// client certificate, listing and revocation. The device's identity is its certificate, nothing
// the client says about itself.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
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
  /** Issuing CAs (e.g. AD CS) whose machine certificates are devices without a join (gateway.machineCaFile). */
  readonly machineCas?: readonly X509Certificate[];
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The device id of a machine certificate's DNS name: the same through every renewal, so a revocation holds. */
export function machineDeviceId(dnsName: string): string {
  return `mc_${createHash('sha256').update(`machine:${dnsName.toLowerCase()}`).digest('base64url').slice(0, 22)}`;
}

/** The machine's DNS name (first dNSName of the subject alternative names), lower case; undefined without one. */
function machineDnsName(cert: X509Certificate): string | undefined {
  const dns = (cert.subjectAltName ?? '').split(', ').find((n) => n.startsWith('DNS:'))?.slice(4).toLowerCase();
  return dns && DNS_NAME.test(dns) ? dns : undefined;
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
    const machineCa = this.d.machineCas?.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    const device = machineCa ? await this.machine(cert, peer.raw) : await this.joined(cert, peer.raw);
    if (device.revokedAt) throw new KeyhatchError('DEVICE_REVOKED', { reason: `device ${device.id} revoked ${device.revokedAt}` });
    const now = this.d.now();
    if ((this.touched.get(device.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.touched.set(device.id, now);
      await this.d.store.devices.touch(device.id, new Date(now).toISOString());
    }
    return device;
  }

  /** A certificate this gateway's device CA issued at a join: only the very certificate of a registered device. */
  private async joined(cert: X509Certificate, raw: Buffer): Promise<DeviceRecord> {
    const device = await this.d.store.devices.bySerial(cert.serialNumber.toLowerCase());
    if (!device || device.publicKeySha256 !== publicKeySha256(raw) || !cert.subject.includes(`CN=${device.id}`)) {
      throw new KeyhatchError('DEVICE_UNKNOWN', { reason: `serial ${cert.serialNumber.toLowerCase()} not in the registry` });
    }
    return device;
  }

  /**
   * A machine certificate from a trusted issuing CA (AD CS autoenrollment): a device by its DNS name,
   * registered at its first call (its domain is the name's suffix), and refused like any other once
   * revoked — a renewed certificate of the same machine keeps the device and its revocation.
   */
  private async machine(cert: X509Certificate, raw: Buffer): Promise<DeviceRecord> {
    const usages = (cert as { extKeyUsage?: string[] }).extKeyUsage ?? cert.keyUsage ?? [];
    if (!usages.includes(CLIENT_AUTH)) throw new KeyhatchError('DEVICE_UNTRUSTED', { reason: 'machine certificate without Client Authentication' });
    const dns = machineDnsName(cert);
    if (!dns) throw new KeyhatchError('DEVICE_UNTRUSTED', { reason: 'machine certificate without a DNS name' });
    const id = machineDeviceId(dns);
    const known = await this.d.store.devices.get(id);
    if (known) return known;
    const domain = dns.slice(dns.indexOf('.') + 1);
    const record: DeviceRecord = {
      id, name: dns, certSerial: cert.serialNumber.toLowerCase(), publicKeySha256: publicKeySha256(raw),
      joinedAt: new Date(this.d.now()).toISOString(), domain,
    };
    try { await this.d.store.devices.insert(record); } catch (err) {
      // Two first calls at once (two gateways, or two requests): the other one registered it.
      const raced = await this.d.store.devices.get(id);
      if (!raced) throw err;
      return raced;
    }
    this.d.audit.write({ correlationId: randomBytes(6).toString('hex'), action: 'device.join', actor: id, target: dns, result: 'success', device: id, details: { via: 'machine certificate', issuer: cert.issuer } });
    return record;
  }

  list(): Promise<DeviceRecord[]> { return this.d.store.devices.list(); }

  async revoke(id: string, actor: string): Promise<boolean> {
    const ok = await this.d.store.devices.revoke(id, new Date(this.d.now()).toISOString());
    this.d.audit.write({ correlationId: randomBytes(6).toString('hex'), action: 'device.revoke', actor, target: id, result: ok ? 'success' : 'failure', device: id });
    return ok;
  }
}
