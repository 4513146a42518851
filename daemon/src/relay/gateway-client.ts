// The relay's client for the gateway: mutual TLS with the device certificate, several gateway URLs
// tried in order (the last one that answered first), and a record of the last outcome for the
// relay's status, the credential provider's "available" and `keyhatch doctor`.
import type { Agent } from 'node:https';
import { https } from '../net/node-builtins.js';
import type { IncomingHttpHeaders } from 'node:http';
import { KeyhatchError } from '../errors/catalogue.js';
import type { DeviceIdentity } from './device-identity.js';
import { pinnedServerIdentity, trustAnchors } from './gateway-tls.js';

/** Sockets whose TLS handshake completed (a freed socket is handed to a queued request as not "reused"). */
const handshaken = new WeakSet<object>();

export type GatewayState = 'ok' | 'unreachable' | 'untrusted' | 'refused' | 'unknown';

export interface GatewayStatus {
  readonly state: GatewayState;
  readonly url?: string;
  /** One line for admins: what failed (never a secret). */
  readonly detail?: string;
  readonly at: string;
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const TLS_TRUST_CODES = new Set(['GATEWAY_PIN_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED']);

/** Errors that happened before the gateway could have acted on the request: safe to try the next URL. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'GATEWAY_CONNECT_TIMEOUT', 'GATEWAY_STALE_SOCKET']);

export interface GatewayClientOptions {
  readonly identity: DeviceIdentity;
  readonly urls: readonly string[];
  readonly pin?: string;
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
}

export class GatewayClient {
  private agentOnce: Agent | undefined;
  private preferred = 0;
  private last: GatewayStatus = { state: 'unknown', at: new Date().toISOString() };

  constructor(private readonly o: GatewayClientOptions) {}

  /** Made on the first request: the TLS stack and the trust anchors are not needed before the relay listens. */
  private get agent(): Agent {
    return this.agentOnce ??= new https.Agent({
      keepAlive: true, maxSockets: 16, timeout: 4_000, // idle sockets close before the gateway's 5 s keep-alive does
      cert: this.o.identity.certPem, key: this.o.identity.keyPem,
      ca: trustAnchors(this.o.identity.gatewayChainPem), checkServerIdentity: pinnedServerIdentity(this.o.pin), minVersion: 'TLSv1.2',
    });
  }

  status(): GatewayStatus { return this.last; }

  /** Sends one request, failing over to the next URL only when the previous one was never reached. */
  async send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<GatewayResponse> {
    const n = this.o.urls.length;
    let lastErr: Error | undefined;
    let untrusted: string | undefined;
    let retried = false;
    const tried: string[] = [];
    // Read once: a concurrent call that fails over meanwhile moves `preferred`, and re-reading it here
    // would try the same dead URL twice and never the live one.
    const first = this.preferred;
    for (let i = 0; i < n; i++) {
      const index = (first + i) % n;
      const base = this.o.urls[index] as string;
      try {
        const res = await this.once(base, method, path, headers, body);
        this.preferred = index;
        this.note(res.status === 401 || res.status === 403 ? 'refused' : 'ok', base, res.status === 401 || res.status === 403 ? `gateway refused this device (HTTP ${res.status})` : undefined);
        return res;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        lastErr = err as Error;
        tried.push(`${base} ${code || (err as Error).message}`);
        if (code === 'GATEWAY_STALE_SOCKET' && !retried) { retried = true; i--; continue; }
        if (TLS_TRUST_CODES.has(code)) {
          untrusted = `${base}: ${code === 'GATEWAY_PIN_MISMATCH' ? `certificate does not match pin ${this.o.pin ?? ''}` : code}`;
          continue;
        }
        if (!CONNECT_CODES.has(code)) break; // the request may have reached the gateway: never repeat it
      }
    }
    if (untrusted) {
      this.note('untrusted', undefined, untrusted);
      throw new KeyhatchError('GATEWAY_UNTRUSTED', { reason: untrusted });
    }
    const detail = `${lastErr ? ((lastErr as NodeJS.ErrnoException).code ?? lastErr.message) : 'no gateway URL'}`;
    this.note('unreachable', undefined, `no gateway answered: ${tried.join('; ') || detail}`);
    throw new KeyhatchError('GATEWAY_UNAVAILABLE', { reason: detail });
  }

  /** Asks the gateway whether it knows this device; updates the status either way. */
  async ping(): Promise<GatewayStatus> {
    try { await this.send('GET', '/api/v1/relay/ping', {}); } catch { /* the status says what happened */ }
    return this.last;
  }

  close(): void { this.agentOnce?.destroy(); }

  private note(state: GatewayState, url: string | undefined, detail: string | undefined): void {
    this.last = { state, ...(url ? { url } : {}), ...(detail ? { detail } : {}), at: new Date().toISOString() };
  }

  private once(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<GatewayResponse> {
    const url = new URL(path, base);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method, agent: this.agent, timeout: this.o.timeoutMs ?? 30_000,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      // A gateway that does not even complete the handshake in time counts as unreachable. The clock
      // starts when the request gets a socket: time spent queued behind busy sockets is not the
      // gateway's fault, and a request handed a socket that is already through its handshake (kept
      // alive, or freed by an earlier request) has nothing to wait for.
      let connectTimer: NodeJS.Timeout | undefined;
      let reused = false;
      req.on('socket', (s) => {
        reused = handshaken.has(s);
        if (reused) return;
        connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'GATEWAY_CONNECT_TIMEOUT' })), this.o.connectTimeoutMs ?? 10_000);
        s.once('secureConnect', () => { handshaken.add(s); clearTimeout(connectTimer); });
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.on('timeout', () => req.destroy(Object.assign(new Error('gateway timeout'), { code: 'GATEWAY_TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the gateway closed meanwhile: the request never reached it — or the
        // gateway died working on it, which looks the same. So only a read is sent again; a write
        // (verify, reset) fails as GATEWAY_UNAVAILABLE and the user repeats it (idle sockets close
        // at 4 s, before the gateway's 5 s, so the first case is rare).
        if ((req.reusedSocket || reused) && err.code === 'ECONNRESET' && (method === 'GET' || method === 'HEAD')) err.code = 'GATEWAY_STALE_SOCKET';
        reject(err);
      });
      req.end(body);
    });
  }
}
