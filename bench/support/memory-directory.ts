// A Directory that answers from memory, so the recovery benchmark measures the daemon's own cost
// (HTTP, validation, store, rate limits, factor checks) without DC time.
import type { AccountStatus, Directory, DirectoryUser, PrivilegeInfo } from '../../daemon/src/directory/directory.js';
import type { PasswordPolicy } from '../../daemon/src/password/policy.js';

export class MemoryDirectory implements Directory {
  readonly label = 'Memory';
  private readonly users = new Map<string, DirectoryUser>();
  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const name = `u${i}`;
      this.users.set(name, { id: `CN=${name},OU=Bench`, key: `mem:${name}`, accountName: name, displayName: `User ${i}` });
    }
  }
  async findUser(name: string) { return this.users.get(name.toLowerCase()) ?? null; }
  async sampleUser() { return this.users.get('u0') ?? null; }
  async accountStatus(): Promise<AccountStatus> { return { locked: true, disabled: false, passwordExpired: false, mustChange: false, accountExpired: false, pwdLastSet: null, lockoutTime: null, badPwdCount: 0 }; }
  async privilege(): Promise<PrivilegeInfo> { return { privileged: false, via: [], adminCountHint: false }; }
  async groups() { return []; }
  async effectivePolicy(): Promise<PasswordPolicy> { return { source: 'domain', minLength: 8, maxLength: 256, complexity: true, historyLength: 24, minAgeDays: 0, maxAgeDays: null, lockoutThreshold: 5, lockoutDurationMinutes: 30, lockoutWindowMinutes: 30, bannedWords: [] }; }
  async unlock() {}
  async resetPassword() {}
  async abandonReset() { return false; }
  async changePassword() {}
  async verifyPassword() {}
  absentUser(): DirectoryUser { return { id: 'CN=absent,OU=Bench', accountName: 'absent' }; }
  describe(user: DirectoryUser) { return { dn: user.id, sAMAccountName: user.accountName ?? null }; }
  async close() {}
}
