// Where a tenant lives: the authority host and Graph endpoint of each national cloud, and the
// authority metadata MSAL is handed so that it never makes an instance- or OIDC-discovery call.
import type { EntraConfig } from '../../config/schema.js';

export const NATIONAL_CLOUDS = {
  global: { authorityHost: 'https://login.microsoftonline.com', graphUrl: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphUrl: 'https://graph.microsoft.us' },
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphUrl: 'https://dod-graph.microsoft.us' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphUrl: 'https://microsoftgraph.chinacloudapi.cn' },
} as const;

export interface EntraEndpoints {
  /** e.g. https://login.microsoftonline.com/{tenant} */
  readonly authority: string;
  readonly authorityHost: string;
  /** e.g. https://graph.microsoft.com/v1.0 */
  readonly graphBase: string;
  /** Client-credentials scope: {graph resource}/.default */
  readonly scope: string;
  readonly tokenEndpoint: string;
  /** JSON string for MSAL's auth.authorityMetadata (no OIDC discovery). */
  readonly authorityMetadata: string;
  /** Host[:port] of the authority for MSAL's auth.knownAuthorities (no instance discovery). */
  readonly knownAuthority: string;
}

const trim = (u: string) => u.replace(/\/+$/, '');

export function resolveEndpoints(cfg: Pick<EntraConfig, 'tenantId' | 'authorityHost' | 'graphUrl' | 'cloud'>): EntraEndpoints {
  const preset = NATIONAL_CLOUDS[cfg.cloud ?? 'global'];
  const authorityHost = trim(cfg.authorityHost === NATIONAL_CLOUDS.global.authorityHost ? preset.authorityHost : cfg.authorityHost);
  const graphUrl = trim(cfg.graphUrl === NATIONAL_CLOUDS.global.graphUrl ? preset.graphUrl : cfg.graphUrl);
  for (const [key, u] of [['entra.authorityHost', authorityHost], ['entra.graphUrl', graphUrl]] as const) {
    if (new URL(u).protocol !== 'https:') throw new Error(`${key} must be an https:// URL`);
  }
  const tenant = encodeURIComponent(cfg.tenantId);
  const authority = `${authorityHost}/${tenant}`;
  const tokenEndpoint = `${authority}/oauth2/v2.0/token`;
  const metadata = {
    token_endpoint: tokenEndpoint,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authorityHost}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${graphUrl}/oidc/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
    tenant_region_scope: null,
    cloud_instance_name: new URL(authorityHost).host,
    cloud_graph_host_name: new URL(graphUrl).host,
    msgraph_host: new URL(graphUrl).host,
  };
  return {
    authority, authorityHost, tokenEndpoint,
    graphBase: `${graphUrl}/v1.0`,
    scope: `${graphUrl}/.default`,
    authorityMetadata: JSON.stringify(metadata),
    knownAuthority: new URL(authorityHost).host,
  };
}
