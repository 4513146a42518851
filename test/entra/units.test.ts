// Pure pieces of the Entra backend: endpoints per national cloud, OData quoting and query encoding,
// Retry-After parsing, error mapping, pre-enrollment normalisation, token refresh after a 401.
import assert from 'node:assert/strict';
import { entraSchema } from '../../daemon/src/config/schema.js';
import { resolveEndpoints } from '../../daemon/src/directory/entra/endpoints.js';
import { encodeQuery, odataString, parseRetryAfter } from '../../daemon/src/directory/entra/graph-client.js';
import { GRAPH_ERROR_CODES, mapGraphError } from '../../daemon/src/directory/entra/graph-errors.js';
import { normalisePhone, preEnrollmentFrom } from '../../daemon/src/directory/entra/pre-enrollment.js';
import { ERROR_CATALOGUE } from '../../daemon/src/errors/catalogue.js';
import { startGraphEmulator } from '../support/graph-emulator/index.js';
import { makeDirectory } from './helpers.js';

describe('Entra backend units', () => {
  it('resolves national cloud endpoints and builds metadata MSAL accepts without discovery', () => {
    const base = { tenantId: 'contoso.onmicrosoft.com', clientId: 'x', clientSecret: 's' };
    const global = resolveEndpoints(entraSchema.parse(base));
    assert.equal(global.tokenEndpoint, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
    assert.equal(global.scope, 'https://graph.microsoft.com/.default');
    assert.equal(global.graphBase, 'https://graph.microsoft.com/v1.0');
    const gov = resolveEndpoints(entraSchema.parse({ ...base, cloud: 'usgov' }));
    assert.equal(gov.authority, 'https://login.microsoftonline.us/contoso.onmicrosoft.com');
    assert.equal(gov.scope, 'https://graph.microsoft.us/.default');
    assert.equal(resolveEndpoints(entraSchema.parse({ ...base, cloud: 'usgov-dod' })).graphBase, 'https://dod-graph.microsoft.us/v1.0');
    const cn = resolveEndpoints(entraSchema.parse({ ...base, cloud: 'china' }));
    assert.equal(cn.knownAuthority, 'login.chinacloudapi.cn');
    assert.equal(cn.graphBase, 'https://microsoftgraph.chinacloudapi.cn/v1.0');
    const md = JSON.parse(global.authorityMetadata) as Record<string, string>;
    for (const k of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri']) assert.ok(md[k], k);
    assert.throws(() => resolveEndpoints(entraSchema.parse({ ...base, graphUrl: 'http://graph.example' })), /https/);
  });

  it('config: needs a secret or a certificate pair; syncWatchSeconds defaults to 1800', () => {
    assert.throws(() => entraSchema.parse({ tenantId: 't', clientId: 'c' }), /clientSecret, or certFile and keyFile/);
    assert.throws(() => entraSchema.parse({ tenantId: 't', clientId: 'c', certFile: '/x.pem' }), /certFile and keyFile/);
    assert.equal(entraSchema.parse({ tenantId: 't', clientId: 'c', clientSecret: 's' }).syncWatchSeconds, 1800);
  });

  it('quotes OData strings and encodes queries with %20', () => {
    assert.equal(odataString("o'neil"), "'o''neil'");
    assert.equal(odataString("''"), "''''''");
    assert.equal(encodeQuery({ $filter: "mail eq 'a+b@x.test'", $top: '2' }), "$filter=mail%20eq%20'a%2Bb%40x.test'&$top=2");
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3', 0), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')), 5000);
    assert.equal(parseRetryAfter(null, 0), undefined);
    assert.equal(parseRetryAfter('soon', 0), undefined);
  });

  it('maps every Graph code in the table to a catalogue code', () => {
    for (const c of Object.values(GRAPH_ERROR_CODES)) assert.ok(c in ERROR_CATALOGUE, c);
    const complexity = mapGraphError(400, { error: { code: 'Request_BadRequest', message: 'The specified password does not comply with password complexity requirements. Please provide a different password.' } }, 'reset');
    assert.equal(complexity.code, 'PASSWORD_POLICY');
    assert.deepEqual(complexity.violations, [{ code: 'complexity' }]);
    assert.equal(mapGraphError(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }, 'reset').code, 'ENTRA_ROLE_MISSING');
    assert.equal(mapGraphError(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }, 'read').code, 'INSUFFICIENT_RIGHTS');
    assert.equal(mapGraphError(400, { error: { code: 'Request_BadRequest', message: 'Invalid value specified for property displayName' } }, 'reset').code, 'DIRECTORY_ERROR');
    assert.equal(mapGraphError(502, undefined, 'read').code, 'DIRECTORY_UNAVAILABLE');
  });

  it('pre-enrollment: de-duplicates mail/otherMails and normalises the mobile number', () => {
    assert.equal(normalisePhone('+1 (425) 555-0100'), '+14255550100');
    assert.equal(normalisePhone('call me'), undefined);
    assert.deepEqual(preEnrollmentFrom({ mail: 'A@x.test', otherMails: ['a@X.test', 'b@y.test', 'not-an-address'], mobile: '+49 30 123456' }),
      { emails: ['A@x.test', 'b@y.test'], phones: ['+4930123456'] });
    assert.deepEqual(preEnrollmentFrom({ mail: 'a@x.test', otherMails: [] }, false), { emails: [], phones: [] });
  });

  it('refreshes the token once when Graph answers 401 (expired token), then succeeds', async () => {
    let now = new Date();
    const g = await startGraphEmulator({ users: [{ userPrincipalName: 'ann@contoso.test' }], clock: () => now });
    try {
      const { dir } = makeDirectory(g);
      await dir.findUser('ann@contoso.test');
      now = new Date(now.getTime() + 2 * 3600_000); // the emulator now sees the cached token as expired
      assert.ok(await dir.findUser('ann@contoso.test'));
      assert.equal(g.state.tokensIssued, 2);
      assert.deepEqual(g.state.graphRequests().map((r) => r.status), [200, 401, 200]);
    } finally { await g.close(); }
  });
});
