// What a session that can never succeed (unknown, unenrolled, disabled or privileged user) is
// given instead of the real thing, so that nothing before a first verified factor tells it apart:
// a real, harmless probe account for the same directory work, stable question sets, factors that
// never verify with data shaped like real ones, and codes nobody holds. Keyed by a secret (decoyKey)
// so repeats for one name look the same.
import { createHmac, randomBytes } from 'node:crypto';
import type { Directory, DirectoryUser } from '../directory/directory.js';
import { storeCode, type StoredCode } from '../factors/codes.js';
import type { EnrolledFactor, FactorRegistry, FactorScratch, FactorType, Prompts } from '../factors/factor.js';
import { newTotpSecret } from '../factors/totp.js';
import { WebAuthnDecoys } from '../factors/webauthn-decoys.js';
import type { Store } from '../store/store.js';

export interface DecoyDeps {
  directory: Directory;
  registry: FactorRegistry;
  decoyKey: Buffer;
  questionList: string[];
  /** Questions asked per challenge (as for real users). */
  questionsAsked: number;
  /** How many questions a user enrolls: decoys are asked from a stable set of this size. */
  questionsRequired: number;
  /** Every user's confirmed security keys give decoy keys their shape (count, id length, transports). */
  store: Store;
  now: () => number;
}

export class Decoys {
  private probe: Promise<DirectoryUser | null> | undefined;
  private totpSecret: string | undefined;
  private readonly webauthn: WebAuthnDecoys;

  constructor(private readonly d: DecoyDeps) {
    this.webauthn = new WebAuthnDecoys(d.decoyKey, () => d.store.factors.listConfirmed('webauthn'), d.now);
  }

  /**
   * The directory's sample user. Only an answer is cached, never a failure: a failed probe refuses
   * this start (the error reaches the caller like any directory failure) and is asked again next
   * time, so decoys never silently stop doing directory work (their timing would then give them away).
   */
  probeUser(): Promise<DirectoryUser | null> {
    this.probe ??= (this.d.directory.sampleUser?.() ?? Promise.resolve(null)).catch((err: unknown) => {
      this.probe = undefined;
      throw err;
    });
    return this.probe;
  }

  /** Asked from a stable set per name (as many as a user enrolls), a random pair each time, like real users. */
  questions(probeKey: string, scratch: FactorScratch): Prompts {
    const list = this.d.questionList;
    const h = createHmac('sha256', this.d.decoyKey).update(`${probeKey}/q`).digest();
    const set = [...new Set(Array.from({ length: 32 }, (_, i) => (h[i] as number) % list.length))].slice(0, Math.min(this.d.questionsRequired, list.length));
    const pool = [...set];
    const asked: number[] = [];
    while (asked.length < Math.min(this.d.questionsAsked, pool.length)) asked.push(pool.splice(randomBytes(1)[0] as number % pool.length, 1)[0] as number);
    asked.sort((a, b) => a - b);
    scratch.asked = asked;
    return { questions: asked.map((i) => ({ id: String(i), text: list[i] })) };
  }

  /** A factor that never verifies, with data shaped like a real one of its type. */
  factor(probeKey: string, type: FactorType): EnrolledFactor {
    const mac = createHmac('sha256', this.d.decoyKey).update(`${probeKey}/${type}`).digest('base64url');
    const data: Record<string, unknown> = type === 'webauthn' ? { credentialId: mac, publicKey: mac, counter: 0 } : type === 'totp' ? { secret: this.sealedTotpSecret() } : {};
    return { id: `decoy:${type}`, userKey: `decoy:${probeKey}`, type, hint: '', confirmed: true, data, createdAt: '' };
  }

  /** Security keys that never verify, shaped like one real user's keys (never a real credential id). */
  async webauthnKeys(probeKey: string): Promise<EnrolledFactor[]> {
    return (await this.webauthn.credentials(probeKey)).map((data, i) => ({ ...this.factor(probeKey, 'webauthn'), id: `decoy:webauthn:${i}`, data }));
  }

  /** A code that was sent nowhere: checking a typed code against it costs what a real check costs. */
  deadCode(now: number): StoredCode {
    return storeCode(this.d.decoyKey, 'never', randomBytes(16).toString('hex'), now, 600_000, 3);
  }

  /** A sealed random seed, so a decoy TOTP check unseals and validates like a real one. */
  private sealedTotpSecret(): string {
    const totp = this.d.registry.get('totp') as { sealSecret?: (secret: string, id: string) => string } | undefined;
    this.totpSecret ??= totp?.sealSecret?.(newTotpSecret(), 'decoy:totp') ?? '';
    return this.totpSecret;
  }
}
