// The real daemon serving a fresh build of the kiosk and portal on http://localhost:<port>
// (WebAuthn needs a domain as RP ID: "localhost" is one, 127.0.0.1 is not), with security keys
// enabled through the daemon's own WebAuthn factor and registration helpers.
import { buildKioskUi } from '../../../kiosk-ui/build.js';
import { WebAuthnFactor, registrationOptions, verifyRegistration, type WebAuthnSettings } from '../../../daemon/src/factors/webauthn.js';
import type { TestDomain } from '../../support/global-domain.js';
import { startTestDaemon, type TestDaemon } from '../../support/daemon.js';
import { freshDir } from '../../support/run-dir.js';
import { freePort } from '../../support/free-port.js';

export interface UiDaemon extends TestDaemon { origin: string; uiDir: string }

let built: Promise<string> | undefined;
/** One fresh build of kiosk-ui per test run (into the run dir, not the working tree). */
export function builtUi(): Promise<string> {
  built ??= (async () => { const dir = freshDir('kiosk-ui'); await buildKioskUi(dir); return dir; })();
  return built;
}

export async function startUiDaemon(d: TestDomain, now: () => number, overrides: Record<string, unknown> = {}): Promise<UiDaemon> {
  const uiDir = await builtUi();
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const settings: WebAuthnSettings = { rpId: 'localhost', rpName: 'Keyhatch', origins: [origin] };
  const k = await startTestDaemon(d, { listen: `127.0.0.1:${port}`, ...overrides }, {
    now, uiDir,
    webauthn: {
      factor: new WebAuthnFactor(settings),
      enrollment: {
        registrationOptions: (user, existing) => registrationOptions(settings, user, existing),
        verifyRegistration: (response, challenge) => verifyRegistration(settings, response, challenge),
      },
    },
  });
  return { ...k, origin, uiDir };
}
