// `keyhatch join`: make a key pair here (the private key never leaves this machine), fetch the
// gateway's certificate chain and check it against the pin before anything is sent, then send a CSR
// with the join token and keep the device certificate the gateway's device CA returns.
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import { KeyhatchError } from '../errors/catalogue.js';
import { createCsr, generateKeyPair } from '../pki/x509.js';
import { saveIdentity, relaySecrets, type DeviceIdentity } from './device-identity.js';
import { peerChain, pinnedServerIdentity, trustAnchors } from './gateway-tls.js';
import { isDomainName, machineDomain } from './machine-domain.js';
import { chainMatchesPin } from './pin.js';

export interface JoinOptions {
  readonly url: string;
  readonly token: string;
  readonly pin?: string;
  readonly dataDir: string;
  readonly name?: string;
  /** The workstation's domain (NetBIOS or DNS name); default: the machine's own (machine-domain.ts). */
  readonly domain?: string;
}

/** The chain the gateway presents, leaf first, as PEM — checked against the pin by signature. */
async function fetchVerifiedChain(url: URL, pin: string | undefined): Promise<string> {
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket: TLSSocket = await new Promise<TLSSocket>((resolve, reject) => {
    // With a pin, trust comes from the pin, so the handshake itself may not judge the chain yet.
    const s = connect({ host, port, ...(isIP(host) ? {} : { servername: host }), rejectUnauthorized: pin === undefined, minVersion: 'TLSv1.2' }, () => resolve(s));
    s.setTimeout(10_000, () => s.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    s.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => {
    throw new KeyhatchError(err.code && /CERT|SIGNATURE|SELF_SIGNED|ISSUER/.test(err.code) ? 'GATEWAY_UNTRUSTED' : 'GATEWAY_UNAVAILABLE', { reason: `${url.origin}: ${err.code ?? err.message}` });
  });
  try {
    const chain = peerChain(socket.getPeerCertificate(true));
    const leaf = chain[0];
    if (!leaf) throw new KeyhatchError('GATEWAY_UNTRUSTED', { reason: `${url.origin}: no certificate` });
    if (pin && !chainMatchesPin(chain, pin)) throw new KeyhatchError('GATEWAY_UNTRUSTED', { reason: `${url.origin}: certificate chain does not match pin ${pin}` });
    if (!(isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host))) throw new KeyhatchError('GATEWAY_UNTRUSTED', { reason: `${url.origin}: certificate is not for ${host}` });
    return chain.map((c) => c.toString()).join('');
  } finally {
    socket.destroy();
  }
}

function post(url: URL, body: unknown, chainPem: string, pin: string | undefined): Promise<{ status: number; json: unknown }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', ca: trustAnchors(chainPem), checkServerIdentity: pinnedServerIdentity(pin), timeout: 30_000,
      headers: { 'content-type': 'application/json', 'content-length': String(data.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: unknown;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 502, json });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new KeyhatchError(err.code === 'GATEWAY_PIN_MISMATCH' ? 'GATEWAY_UNTRUSTED' : 'GATEWAY_UNAVAILABLE', { reason: `${url.origin}: ${err.code ?? err.message}` })));
    req.end(data);
  });
}

/** Joins; the answer also names the domain the gateway recorded for this device, if any. */
export async function joinGateway(o: JoinOptions): Promise<DeviceIdentity & { readonly domain?: string }> {
  let base: URL;
  try { base = new URL(o.url); } catch { throw new KeyhatchError('BAD_REQUEST', { message: `--gateway must be an https:// URL (got ${o.url})` }); }
  if (base.protocol !== 'https:') throw new KeyhatchError('BAD_REQUEST', { message: `--gateway must be an https:// URL (got ${o.url})` });
  if (o.domain !== undefined && !isDomainName(o.domain)) throw new KeyhatchError('BAD_REQUEST', { message: `--domain must be a NetBIOS or DNS domain name (got ${o.domain})` });
  const domain = o.domain ?? await machineDomain();
  const chainPem = await fetchVerifiedChain(base, o.pin);
  const { keys, privateKeyPem } = await generateKeyPair();
  const name = o.name ?? hostname();
  const csr = await createCsr(keys, name);
  const res = await post(new URL('/api/v1/relay/join', base), { token: o.token, csr, name: name.slice(0, 64), ...(domain ? { domain } : {}) }, chainPem, o.pin);
  const answer = res.json as { deviceId?: string; certificate?: string; error?: { code?: string; message?: string } } | undefined;
  if (res.status !== 201 || !answer?.deviceId || !answer.certificate) {
    const code = answer?.error?.code;
    if (code === 'JOIN_TOKEN_INVALID') throw new KeyhatchError('JOIN_TOKEN_INVALID');
    throw new KeyhatchError('GATEWAY_UNAVAILABLE', { message: `The gateway refused the join (HTTP ${res.status}${code ? ` ${code}` : ''}${answer?.error?.message ? `: ${answer.error.message}` : ''}).` });
  }
  const identity: DeviceIdentity = {
    deviceId: answer.deviceId, certPem: answer.certificate, keyPem: privateKeyPem, gatewayChainPem: chainPem,
    urls: [base.origin], ...(o.pin ? { pin: o.pin } : {}),
  };
  await saveIdentity(o.dataDir, identity, relaySecrets(o.dataDir));
  return { ...identity, ...(domain ? { domain } : {}) };
}
