// WebAuthn security keys: a strong factor. Each enrolled factor holds one credential (id, COSE
// public key, signature counter); the challenge lives in the session scratch and is used once.
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { KeyhatchError } from '../errors/catalogue.js';
import type { FactorContext, FactorMethod, FactorState, Prompts } from './factor.js';

/**
 * `origins`: where registration happens (the portal) and, unless `kioskOrigins` is given, where
 * assertions may come from too. `kioskOrigins`: the kiosk pages' origins (recovery assertions only),
 * so a key enrolled on the portal (https://keyhatch.corp.example) can be used at a kiosk served under
 * the same RP ID (see docs/webauthn.md).
 */
export interface WebAuthnSettings { rpId: string; rpName: string; origins: string[]; kioskOrigins?: string[] }

// A type alias, not an interface, so it can be stored where Record<string, unknown> is expected.
export type WebAuthnData = { credentialId: string; publicKey: string /* base64url COSE key */; counter: number; transports?: string[] };

const TIMEOUT_MS = 60_000;
const CHALLENGE_KEY = 'webauthnChallenge';

export class WebAuthnFactor implements FactorMethod {
  readonly type = 'webauthn' as const;
  readonly labelKey = 'factor.webauthn';
  readonly weight = 2;
  readonly userSelectable = true;

  constructor(private readonly settings: WebAuthnSettings) {}

  async prompts(ctx: FactorContext): Promise<Prompts> {
    const data = readData(ctx.factor.data);
    if (!data) throw new KeyhatchError('FACTOR_UNAVAILABLE', { reason: 'webauthn factor data is malformed' });
    const publicKey = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: [{ id: data.credentialId, ...(data.transports ? { transports: data.transports } : {}) }],
      userVerification: 'preferred',
      timeout: TIMEOUT_MS,
    });
    ctx.scratch[CHALLENGE_KEY] = publicKey.challenge;
    return { publicKey };
  }

  async respond(ctx: FactorContext, response: unknown): Promise<FactorState> {
    // Consume the challenge before anything can fail, so no response is judged twice against it.
    const challenge = ctx.scratch[CHALLENGE_KEY];
    delete ctx.scratch[CHALLENGE_KEY];
    const data = readData(ctx.factor.data);
    if (typeof challenge !== 'string' || !data || !isObject(response) || response.id !== data.credentialId) return 'failed';
    let newCounter: number;
    try {
      const result = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.settings.kioskOrigins ?? this.settings.origins,
        expectedRPID: this.settings.rpId,
        credential: { id: data.credentialId, publicKey: Buffer.from(data.publicKey, 'base64url'), counter: data.counter },
        requireUserVerification: false,
      });
      if (!result.verified) return 'failed';
      newCounter = result.authenticationInfo.newCounter;
    } catch {
      return 'failed';
    }
    // A counter that did not move forward means a cloned key (the library checks too; keep it explicit).
    if ((newCounter !== 0 || data.counter !== 0) && newCounter <= data.counter) return 'failed';
    await ctx.saveData({ ...data, counter: newCounter });
    return 'complete';
  }
}

export async function registrationOptions(
  settings: WebAuthnSettings,
  user: { id: string; name: string; displayName: string },
  existingCredentialIds: string[],
): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challenge: string }> {
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userID: new TextEncoder().encode(user.id),
    userName: user.name,
    userDisplayName: user.displayName,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
    excludeCredentials: existingCredentialIds.map((id) => ({ id })),
    timeout: TIMEOUT_MS,
  });
  return { options, challenge: options.challenge };
}

export async function verifyRegistration(
  settings: WebAuthnSettings,
  response: unknown,
  expectedChallenge: string,
): Promise<{ data: WebAuthnData; hint: string }> {
  if (!isObject(response)) throw new KeyhatchError('VERIFICATION_FAILED', { reason: 'webauthn registration is not an object' });
  let result;
  try {
    result = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpId,
      requireUserVerification: false,
    });
  } catch (err) {
    throw new KeyhatchError('VERIFICATION_FAILED', { reason: `webauthn registration rejected: ${(err as Error).message}` });
  }
  if (!result.verified) throw new KeyhatchError('VERIFICATION_FAILED', { reason: 'webauthn registration not verified' });
  const { credential } = result.registrationInfo;
  const data: WebAuthnData = {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    ...(credential.transports && credential.transports.length > 0 ? { transports: [...credential.transports] } : {}),
  };
  return { data, hint: `•••• ${credential.id.slice(-4)}` };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readData(d: Record<string, unknown>): WebAuthnData | undefined {
  const { credentialId, publicKey, counter, transports } = d;
  if (typeof credentialId !== 'string' || credentialId === '' || typeof publicKey !== 'string' || publicKey === '') return undefined;
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 0) return undefined;
  const t = Array.isArray(transports) && transports.every((x) => typeof x === 'string') ? transports as string[] : undefined;
  return { credentialId, publicKey, counter, ...(t ? { transports: t } : {}) };
}
