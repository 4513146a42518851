// Security questions: weak (weight 1), allowed because some sites need them. Answers are
// normalised (case, accents' composition, spacing, punctuation) and stored as argon2id hashes.
import { randomInt } from 'node:crypto';
import { hashArgon2id, verifyArgon2id } from '../secrets/argon2id.js';
import type { FactorContext, FactorMethod, FactorState, Prompts } from './factor.js';

export function normaliseAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]/gu, ' ').replace(/\s+/g, ' ').trim();
}

export async function hashAnswer(answer: string): Promise<string> {
  return hashArgon2id(normaliseAnswer(answer));
}

interface StoredQuestion { question: string; hash: string }

export class QuestionsFactor implements FactorMethod {
  readonly type = 'questions' as const;
  readonly labelKey = 'factor.questions';
  readonly weight = 1;
  readonly userSelectable = true;
  constructor(private readonly ask: number) {}

  async prompts(ctx: FactorContext): Promise<Prompts> {
    const all = (ctx.factor.data.questions as StoredQuestion[] | undefined) ?? [];
    const idx = all.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) { const j = randomInt(0, i + 1); [idx[i], idx[j]] = [idx[j] as number, idx[i] as number]; }
    const asked = idx.slice(0, Math.min(this.ask, all.length)).sort((a, b) => a - b);
    ctx.scratch.asked = asked;
    return { questions: asked.map((i) => ({ id: String(i), text: all[i]?.question })) };
  }

  async respond(ctx: FactorContext, response: unknown): Promise<FactorState> {
    const asked = ctx.scratch.asked as number[] | undefined;
    delete ctx.scratch.asked; // one set of answers per prompt
    const all = (ctx.factor.data.questions as StoredQuestion[] | undefined) ?? [];
    const answers = (response as { answers?: Array<{ id?: unknown; answer?: unknown }> } | null)?.answers;
    if (!asked || !Array.isArray(answers) || answers.length !== asked.length) return 'failed';
    let ok = true;
    for (const i of asked) {
      const given = answers.find((a) => a.id === String(i))?.answer;
      const stored = all[i];
      // Verify every answer even after a miss, so timing does not say which one was wrong.
      const match = typeof given === 'string' && given.length <= 256 && stored !== undefined && await verifyArgon2id(stored.hash, normaliseAnswer(given));
      ok = ok && match;
    }
    return ok ? 'complete' : 'failed';
  }
}

let dummyHash: Promise<string> | undefined;
/** The same argon2 work as checking `count` answers, for sessions that have no questions enrolled. */
export async function dummyAnswerCheck(count: number): Promise<void> {
  dummyHash ??= hashAnswer('keyhatch decoy answer');
  const hash = await dummyHash;
  for (let i = 0; i < count; i++) await verifyArgon2id(hash, normaliseAnswer(`decoy ${i}`));
}
