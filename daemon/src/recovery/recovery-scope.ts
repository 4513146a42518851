// Who may use self-service recovery once the admin has chosen target groups: the targeted
// population only. Recovery asks `allows` where it resolves the user and, when the answer is no,
// refuses exactly like an unknown name (a decoy session), so scope is never visible to a caller.
// With no target group configured anywhere, everyone is allowed (the behaviour before targeting).
import { userKeyOf, type DirectoryUser } from '../directory/directory.js';
import type { Store } from '../store/store.js';
import type { LeaverRule } from '../store/population-repo.js';

export interface ScopeCheck {
  allows(user: DirectoryUser): Promise<boolean>;
}

export class RecoveryScope implements ScopeCheck {
  constructor(private readonly store: Store, private readonly leaverRule: LeaverRule) {}

  async allows(user: DirectoryUser): Promise<boolean> {
    // Both lookups always run, so an allowed and a refused user cost the same store work.
    const [targets, row] = await Promise.all([this.store.population.targets(), this.store.population.byUserKey(userKeyOf(user))]);
    if (targets.length === 0) return true;
    // Not synced yet, or never targeted: fail closed.
    if (!row) return false;
    if (row.inScope) return true;
    // A leaver keeps a usable enrollment only under the "keep" rule.
    return this.leaverRule === 'keep';
  }
}
