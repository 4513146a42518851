// The kiosk's Chromium switches for a page served under an organisation name (kiosk.hostName,
// docs/webauthn.md): only that name maps to loopback, only that origin counts as secure, and
// loopback names need nothing.
import assert from 'node:assert/strict';
import { loopbackAliasSwitches } from '../../kiosk-ui/src/electron/policy.js';

describe('kiosk loopback alias (WebAuthn under the organisation RP ID)', () => {
  it('maps exactly the kiosk name to 127.0.0.1 and treats exactly its origin as secure', () => {
    assert.deepEqual(loopbackAliasSwitches('http://Keyhatch-Kiosk.corp.example:7788'), [
      ['host-resolver-rules', 'MAP keyhatch-kiosk.corp.example 127.0.0.1'],
      ['unsafely-treat-insecure-origin-as-secure', 'http://keyhatch-kiosk.corp.example:7788'],
    ]);
  });

  it('an https kiosk origin needs only the mapping; loopback names need no switch', () => {
    assert.deepEqual(loopbackAliasSwitches('https://kiosk.corp.example:7788'), [['host-resolver-rules', 'MAP kiosk.corp.example 127.0.0.1']]);
    for (const o of ['http://localhost:7788', 'http://127.0.0.1:7788', 'http://[::1]:7788', 'http://kiosk.localhost:7788']) assert.deepEqual(loopbackAliasSwitches(o), [], o);
  });
});
