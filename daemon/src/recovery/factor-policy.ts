// How much proof each action needs, per group. Weights: strong factors 2, weak (SMS, questions) 1.
import type { FactorType } from '../factors/factor.js';

export interface Requirement { factors: number; minWeight: number }
export interface Requirements { unlock: Requirement; reset: Requirement; disabled: FactorType[] }

export interface PolicyConfig {
  unlock: Requirement;
  reset: Requirement;
  enabledFactors: FactorType[];
  groupPolicies: Array<{ group: string; unlock?: Requirement; reset?: Requirement; disabledFactors: FactorType[] }>;
}

/**
 * The first group policy that matches one of the user's groups wins; otherwise the defaults.
 * `groupKey` is the directory's own comparison key for a group id (Directory.groupKey: AD compares
 * DNs by their normalised form, whatever the spelling in the configuration).
 */
export function requirementsFor(cfg: PolicyConfig, groups: readonly string[], groupKey: (id: string) => string): Requirements {
  const mine = new Set(groups.map(groupKey));
  const gp = cfg.groupPolicies.find((p) => mine.has(groupKey(p.group)));
  const disabled = new Set<FactorType>((['email', 'sms', 'totp', 'webauthn', 'questions', 'helpdesk'] as FactorType[]).filter((t) => !cfg.enabledFactors.includes(t)));
  for (const t of gp?.disabledFactors ?? []) disabled.add(t);
  return { unlock: gp?.unlock ?? cfg.unlock, reset: gp?.reset ?? cfg.reset, disabled: [...disabled] };
}

export function satisfied(req: Requirement, weights: readonly number[]): boolean {
  return weights.length >= req.factors && weights.reduce((a, b) => a + b, 0) >= req.minWeight;
}

/** How many more factors are needed at least (assuming the strongest kind is used next). */
export function remaining(req: Requirement, weights: readonly number[]): number {
  const byCount = Math.max(0, req.factors - weights.length);
  const byWeight = Math.max(0, Math.ceil((req.minWeight - weights.reduce((a, b) => a + b, 0)) / 2));
  return Math.max(byCount, byWeight);
}
