// WebAuthn settings a browser would refuse are refused when the configuration loads, naming the key
// (docs/webauthn.md): origins outside the RP ID, plain http off loopback for the portal, a kiosk
// host name outside the RP ID or not served by the relay.
import assert from 'node:assert/strict';
import { validateConfig } from '../../daemon/src/config/load.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { webauthnOriginProblems } from '../../daemon/src/config/webauthn-origins.js';

const DATA = { dataDir: '/var/lib/keyhatch-test' };
const refused = (raw: Record<string, unknown>, pattern: RegExp) => assert.throws(() => validateConfig({ ...DATA, ...raw }), (err: unknown) => isKeyhatchError(err) && pattern.test(err.message));

describe('webauthn origins and kiosk.hostName (configuration)', () => {
  it('accepts the organisation layout: RP ID corp.example, portal over https, kiosk under the domain', () => {
    const c = validateConfig({ ...DATA, webauthn: { rpId: 'corp.example', origins: ['https://keyhatch.corp.example'], kioskOrigins: ['http://keyhatch-kiosk.corp.example:7788'] } });
    assert.deepEqual(c.webauthn.kioskOrigins, ['http://keyhatch-kiosk.corp.example:7788']);
    const relay = validateConfig({ ...DATA, role: 'relay', kiosk: { hostName: 'keyhatch-kiosk.corp.example' }, http: { allowedHosts: ['keyhatch-kiosk.corp.example'] } });
    assert.equal(relay.kiosk.hostName, 'keyhatch-kiosk.corp.example');
  });

  it('refuses a loopback kiosk origin for an organisation RP ID: no browser would use the key there', () => {
    refused({ webauthn: { rpId: 'corp.example', origins: ['https://keyhatch.corp.example'], kioskOrigins: ['http://localhost:7788'] } },
      /webauthn\.kioskOrigins: http:\/\/localhost:7788: host localhost is not corp\.example or a name under it/);
    refused({ webauthn: { rpId: 'corp.example', origins: ['https://keyhatch.corp.example.evil.test'] } }, /webauthn\.origins: .*not corp\.example or a name under it/);
  });

  it('refuses a portal origin over plain http off loopback, and origins with a path', () => {
    refused({ webauthn: { rpId: 'corp.example', origins: ['http://keyhatch.corp.example'] } }, /webauthn\.origins: http:\/\/keyhatch\.corp\.example: must be https/);
    refused({ webauthn: { rpId: 'corp.example', origins: ['https://keyhatch.corp.example/portal/'] } }, /must be an origin only/);
  });

  it('accepts a kiosk.hostName alone (it is served without http.allowedHosts: one Group Policy value); refuses one outside the RP ID or not a DNS name', () => {
    assert.equal(validateConfig({ ...DATA, role: 'relay', kiosk: { hostName: 'keyhatch-kiosk.corp.example' } }).kiosk.hostName, 'keyhatch-kiosk.corp.example');
    refused({ role: 'relay', kiosk: { hostName: 'localhost' } }, /kiosk\.hostName: must be a DNS name/);
    refused({ webauthn: { rpId: 'corp.example' }, kiosk: { hostName: 'kiosk.other.example' }, http: { allowedHosts: ['kiosk.other.example'] } }, /kiosk\.hostName: kiosk\.other\.example is not under webauthn\.rpId corp\.example/);
  });

  it('keeps the standalone default: RP ID localhost with http://localhost origins', () => {
    assert.deepEqual(webauthnOriginProblems('localhost', ['http://localhost:7788']), []);
    assert.equal(webauthnOriginProblems('localhost', ['http://127.0.0.1:7788']).length, 1, 'an IP origin cannot use WebAuthn');
  });
});
