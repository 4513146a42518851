// App-only access tokens from @azure/msal-node (client credentials), with a client secret or a
// certificate. MSAL is given the authority metadata and the authority as a known authority, so it
// makes no discovery call; its in-memory token cache and its throttle cache are used as they are
// (a throttled token request is not retried here: MSAL answers from its throttle cache until the
// Retry-After has passed).
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import type { EntraConfig } from '../../config/schema.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import type { EntraEndpoints } from './endpoints.js';
import { TOKEN_ERROR_CODES } from './graph-errors.js';

export interface AccessToken {
  readonly token: string;
  readonly expiresOn: Date | null;
  /** Claims decoded from our own token (not verified: it is only used to explain failures). */
  readonly claims: TokenClaims;
}

export interface TokenClaims {
  /** Application permissions granted to the app (e.g. User.ReadWrite.All). */
  readonly roles: readonly string[];
  /** Directory role template ids held by the service principal. */
  readonly wids: readonly string[];
  readonly tid?: string;
  readonly appid?: string;
}

export interface TokenProvider {
  getToken(forceRefresh?: boolean): Promise<AccessToken>;
  readonly credentialKind: 'secret' | 'certificate';
}

export function decodeClaims(jwt: string): TokenClaims {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return {
      roles: arr(payload.roles), wids: arr(payload.wids),
      ...(typeof payload.tid === 'string' ? { tid: payload.tid } : {}),
      ...(typeof payload.appid === 'string' ? { appid: payload.appid } : {}),
    };
  } catch { return { roles: [], wids: [] }; }
}

/** MSAL's network client on top of our fetch (which carries the extra CA). Records token-endpoint calls. */
class FetchNetworkClient implements INetworkModule {
  calls = 0;
  lastStatus: number | undefined;
  /** MSAL replaces transport errors with a bare network_error: keep the real one to classify it. */
  lastError: NodeJS.ErrnoException | undefined;
  constructor(private readonly doFetch: typeof fetch, private readonly timeoutMs: number) {}

  private async send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.calls++;
    this.lastError = undefined;
    let res: Response;
    try {
      res = await this.doFetch(url, {
        method, headers: options?.headers ?? {}, signal: AbortSignal.timeout(this.timeoutMs),
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      });
    } catch (err) {
      this.lastError = err as NodeJS.ErrnoException;
      throw err;
    }
    this.lastStatus = res.status;
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
    const text = await res.text();
    let body: unknown;
    try { body = text ? JSON.parse(text) : {}; } catch { body = { error: 'invalid_response', error_description: `non-JSON response (HTTP ${res.status})` }; }
    return { headers, body: body as T, status: res.status };
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> { return this.send<T>(url, 'GET', options); }
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> { return this.send<T>(url, 'POST', options); }
}

export interface CertificateCredential { thumbprintSha256: string; privateKey: string; x5c?: string }

export function loadCertificateCredential(certFile: string, keyFile: string, thumbprint?: string, sendX5c = false): CertificateCredential {
  const certPem = readFileSync(certFile, 'utf8');
  const privateKey = readFileSync(keyFile, 'utf8');
  const cert = new X509Certificate(certPem);
  const thumbprintSha256 = (thumbprint ?? createHash('sha256').update(cert.raw).digest('hex')).toLowerCase();
  return { thumbprintSha256, privateKey, ...(sendX5c ? { x5c: certPem } : {}) };
}

export interface MsalTokenProviderDeps {
  config: EntraConfig;
  endpoints: EntraEndpoints;
  log: Logger;
  fetch: typeof fetch;
}

export class MsalTokenProvider implements TokenProvider {
  readonly credentialKind: 'secret' | 'certificate';
  private readonly app: ConfidentialClientApplication;
  private readonly net: FetchNetworkClient;

  constructor(private readonly deps: MsalTokenProviderDeps) {
    const { config, endpoints, log } = deps;
    this.net = new FetchNetworkClient(deps.fetch, config.timeoutMs);
    const auth: Configuration['auth'] = {
      clientId: config.clientId,
      authority: endpoints.authority,
      knownAuthorities: [endpoints.knownAuthority],
      authorityMetadata: endpoints.authorityMetadata,
    };
    if (config.certFile && config.keyFile) {
      auth.clientCertificate = loadCertificateCredential(config.certFile, config.keyFile, config.certThumbprintSha256, config.sendX5c);
      this.credentialKind = 'certificate';
    } else if (config.clientSecret) {
      auth.clientSecret = config.clientSecret;
      this.credentialKind = 'secret';
    } else {
      throw new KeyhatchError('CONFIG_INVALID', { message: 'invalid configuration: entra: needs clientSecret, or certFile and keyFile' });
    }
    this.app = new ConfidentialClientApplication({
      auth,
      system: {
        networkClient: this.net,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message, containsPii) => {
            if (containsPii) return;
            if (level <= LogLevel.Error) log.warn('msal', { message });
          },
        },
      },
    });
  }

  async getToken(forceRefresh = false): Promise<AccessToken> {
    const before = this.net.calls;
    try {
      const r = await this.app.acquireTokenByClientCredential({ scopes: [this.deps.endpoints.scope], skipCache: forceRefresh });
      if (!r?.accessToken) throw new KeyhatchError('SERVICE_BIND_FAILED', { reason: 'token endpoint returned no access token' });
      return { token: r.accessToken, expiresOn: r.expiresOn ?? null, claims: decodeClaims(r.accessToken) };
    } catch (err) {
      const called = this.net.calls > before;
      throw this.mapError(err, called ? this.net.lastStatus : undefined, called ? this.net.lastError : undefined);
    }
  }

  private mapError(err: unknown, status: number | undefined, transport: NodeJS.ErrnoException | undefined): KeyhatchError {
    if (err instanceof KeyhatchError) return err;
    if (transport) {
      const t = `${transport.code ?? ''} ${transport.message}`;
      const reason = `token request failed: ${t}`;
      if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|certificate/i.test(t)) return new KeyhatchError('DIRECTORY_TLS', { reason, cause: err });
      return new KeyhatchError('DIRECTORY_UNAVAILABLE', { reason, cause: err });
    }
    const e = err as { errorCode?: string; errorMessage?: string; message?: string; name?: string; cause?: unknown };
    const text = `${e.errorCode ?? ''} ${(e.errorMessage ?? e.message ?? '').split('\n')[0]}`.trim();
    const aadsts = /AADSTS\d+/.exec(e.errorMessage ?? e.message ?? '')?.[0];
    const reason = `token request failed${status ? ` (HTTP ${status})` : ''}: ${aadsts ?? ''} ${text}`.trim();
    if (e.name === 'ServerError' || status !== undefined) {
      // No network call at all + a server error = MSAL's throttle cache answering for the endpoint.
      if (status === undefined && e.name === 'ServerError') return new KeyhatchError('DIRECTORY_THROTTLED', { reason: `${reason} (MSAL throttle cache)`, cause: err });
      if (status === 429) return new KeyhatchError('DIRECTORY_THROTTLED', { reason, cause: err });
      if (status !== undefined && status >= 500) return new KeyhatchError('DIRECTORY_UNAVAILABLE', { reason, cause: err });
      const code = TOKEN_ERROR_CODES[e.errorCode ?? ''] ?? 'SERVICE_BIND_FAILED';
      return new KeyhatchError(code, { reason, cause: err });
    }
    const causeText = `${String((e.cause as Error | undefined)?.message ?? '')} ${text}`;
    const tlsCode = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|certificate/i.test(`${tlsCode} ${causeText}`)) return new KeyhatchError('DIRECTORY_TLS', { reason, cause: err });
    if (/network|ECONN|ENOTFOUND|timeout|aborted|socket/i.test(causeText)) return new KeyhatchError('DIRECTORY_UNAVAILABLE', { reason, cause: err });
    if (/configuration|authority|invalid_authority|url/i.test(text)) return new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: entra: ${text}`, reason, cause: err });
    return new KeyhatchError('SERVICE_BIND_FAILED', { reason, cause: err });
  }
}
