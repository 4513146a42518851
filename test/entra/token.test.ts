// Token acquisition against the emulator's token endpoint: client secret and certificate
// credentials, no discovery call, MSAL's cache and throttle cache, and clear errors.
import assert from 'node:assert/strict';
import { EntraDirectory } from '../../daemon/src/directory/entra/entra-directory.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { startGraphEmulator, type GraphEmulator } from '../support/graph-emulator/index.js';
import { CapturingLogger, emulatorConfig, makeDirectory } from './helpers.js';

describe('Entra token acquisition (emulator)', () => {
  let g: GraphEmulator;
  beforeEach(async () => { g = await startGraphEmulator({ users: [{ userPrincipalName: 'ann@contoso.test', displayName: 'Ann' }] }); });
  afterEach(async () => { await g.close(); });

  it('acquires an app-only token with a client secret and makes no discovery call', async () => {
    const { dir } = makeDirectory(g);
    const t = await dir.tokens.getToken();
    assert.equal(dir.tokens.credentialKind, 'secret');
    assert.ok(t.claims.roles.includes('User.ReadWrite.All'));
    assert.equal(g.state.tokensIssued, 1);
    const paths = g.state.requests.map((r) => r.path);
    assert.deepEqual(paths, [`/${g.tenantId}/oauth2/v2.0/token`], 'only the token endpoint was called');
    const body = g.state.tokenRequests()[0]?.body as Record<string, string>;
    assert.equal(body.grant_type, 'client_credentials');
    assert.equal(body.scope, `${g.graphUrl}/.default`);
    assert.equal(body.client_secret, '[masked]', 'a secret was sent');
  });

  it('acquires a token with a certificate; the emulator verifies the assertion signature', async () => {
    const { dir } = makeDirectory(g, { clientSecret: undefined, certFile: g.pki.appCertFile, keyFile: g.pki.appKeyFile });
    assert.equal(dir.tokens.credentialKind, 'certificate');
    await dir.tokens.getToken();
    const body = g.state.tokenRequests()[0]?.body as Record<string, string>;
    assert.equal(body.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(body.client_secret, undefined);
    assert.equal(g.state.tokenRequests()[0]?.status, 200);
    assert.ok(!g.state.requests.some((r) => /well-known|discovery/.test(r.path)));
  });

  it('sends the x5c chain when entra.sendX5c is set (subject name + issuer authentication)', async () => {
    const { dir } = makeDirectory(g, { clientSecret: undefined, certFile: g.pki.appCertFile, keyFile: g.pki.appKeyFile, sendX5c: true });
    await dir.tokens.getToken();
    assert.equal(g.state.tokenRequests()[0]?.status, 200);
    assert.equal(g.state.assertionsWithX5c, 1);
  });

  it('refuses a certificate the app does not hold (signature does not verify) with SERVICE_BIND_FAILED', async () => {
    // The other key signs, but the header names the registered certificate's thumbprint.
    const { dir } = makeDirectory(g, {
      clientSecret: undefined, certFile: g.pki.appCertFile, keyFile: g.pki.otherKeyFile,
    });
    await assert.rejects(dir.tokens.getToken(), (err: unknown) => isKeyhatchError(err, 'SERVICE_BIND_FAILED') && /AADSTS700027/.test(err.reason ?? ''));
    assert.equal(g.state.tokenRequests()[0]?.status, 401);
  });

  it('maps a wrong client secret (invalid_client, AADSTS7000215) to SERVICE_BIND_FAILED without logging the secret', async () => {
    const log = new CapturingLogger();
    const audit = new MemoryAudit();
    const wrong = 'Wr0ng~SecretValue-123';
    const dir = new EntraDirectory({ config: emulatorConfig(g, { clientSecret: wrong }), log, audit });
    await assert.rejects(dir.findUser('ann@contoso.test'), (err: unknown) => isKeyhatchError(err, 'SERVICE_BIND_FAILED') && /AADSTS7000215/.test(err.reason ?? ''));
    assert.equal(g.state.tokenRequests()[0]?.status, 401);
    assert.ok(!log.text().includes(wrong) && !JSON.stringify(audit.events).includes(wrong));
    assert.ok(!log.text().includes(g.clientSecret));
  });

  it('caches the token: several Graph calls, one token request', async () => {
    const { dir } = makeDirectory(g);
    await dir.findUser('ann@contoso.test');
    await dir.findUser('ann@contoso.test');
    await dir.findUser('nobody@contoso.test');
    assert.equal(g.state.tokenRequests().length, 1);
    assert.ok(g.state.graphRequests().length >= 3);
  });

  it('does not trust the emulator without its CA (no verification bypass exists)', async () => {
    const { dir } = makeDirectory(g, { caFile: undefined });
    await assert.rejects(dir.tokens.getToken(), (err: unknown) => isKeyhatchError(err, 'DIRECTORY_TLS'));
    assert.equal(g.state.requests.length, 0);
  });

  it('respects MSAL\'s throttle cache after a 429 from the token endpoint', async () => {
    g.state.faults.push({ target: 'token', status: 429, retryAfter: '120' });
    const { dir } = makeDirectory(g);
    await assert.rejects(dir.tokens.getToken(), (err: unknown) => isKeyhatchError(err, 'DIRECTORY_THROTTLED'));
    assert.equal(g.state.tokenRequests().length, 1);
    // Within the Retry-After window MSAL answers from its throttle cache: no second request.
    await assert.rejects(dir.tokens.getToken(), (err: unknown) => isKeyhatchError(err, 'DIRECTORY_THROTTLED'));
    assert.equal(g.state.tokenRequests().length, 1);
  });

  it('names the tenant problem when the tenant id is wrong', async () => {
    const { dir } = makeDirectory(g, { tenantId: '00000000-0000-0000-0000-000000000000' });
    await assert.rejects(dir.tokens.getToken(), (err: unknown) => isKeyhatchError(err, 'SERVICE_BIND_FAILED') && /AADSTS90002/.test(err.reason ?? ''));
  });
});
