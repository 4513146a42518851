// Console sign-in: the directory password, proven by a bind as the user over TLS (the same
// Directory.verifyPassword the enrollment portal uses), then membership (nested) of a configured
// admin or help-desk group. Attempts are reserved on the portal's own `login` gate, keyed on the
// resolved account and held below the lockout threshold: the portal and the console together can
// never lock an account out. An unknown name costs the same directory work (a bind as nobody).
import { randomUUID } from 'node:crypto';
import type { Directory, DirectoryUser } from '../../directory/directory.js';
import { groupKeyOf, userKeyOf } from '../../directory/directory.js';
import { parseUsername } from '../../directory/username.js';
import { loginLimit } from '../../enrollment/enrollment-service.js';
import { KeyhatchError, isKeyhatchError } from '../../errors/catalogue.js';
import type { AuditSink } from '../../log/audit.js';
import { accountGateKey, isLoopback } from '../../recovery/account-key.js';
import { gate, type RateLimiter } from '../../recovery/rate-limiter.js';
import type { ConsoleRole } from './sessions.js';

export interface SignInDeps {
  directory: Directory;
  limiter: RateLimiter;
  audit: AuditSink;
  homeDomains: string[];
  attempts: number;
  adminGroups: readonly string[];
  helpdeskGroups: readonly string[];
}

export interface SignedIn { name: string; displayName: string; userKey: string; role: ConsoleRole }


/** The strongest role the user's groups (nested included) give, if any. */
export function roleOf(groups: readonly string[], adminGroups: readonly string[], helpdeskGroups: readonly string[], key: (group: string) => string): ConsoleRole | undefined {
  const mine = new Set(groups.map(key));
  if (adminGroups.some((g) => mine.has(key(g)))) return 'admin';
  if (helpdeskGroups.some((g) => mine.has(key(g)))) return 'helpdesk';
  return undefined;
}

export class ConsoleSignIn {
  private probe: Promise<DirectoryUser | null> | undefined;
  constructor(private readonly d: SignInDeps) {}

  async signIn(username: string, password: string, client: { source: string }): Promise<SignedIn> {
    parseUsername(username);
    const typed = username.normalize('NFC').trim();
    const found = await this.d.directory.findUser(username).catch((err: unknown) => {
      if (isKeyhatchError(err, 'AMBIGUOUS_USER')) return null;
      throw err;
    });
    this.probe ??= (this.d.directory.sampleUser?.() ?? Promise.resolve(null)).catch(() => null);
    const target = found ?? await this.probe;
    const policy = target ? await this.d.directory.effectivePolicy(target) : undefined;
    const limit = loginLimit(this.d.attempts, policy?.lockoutThreshold ?? 0);
    const nameGate = { gate: gate('login', accountGateKey(null, username, this.d.homeDomains)), limit };
    const sourceGates = isLoopback(client.source) ? [] : [gate('login-source', client.source)];
    const attempt = found
      ? await this.d.limiter.reserve([{ gate: gate('login', accountGateKey(found, username, this.d.homeDomains)), limit }, nameGate, ...sourceGates])
      : await this.d.limiter.reserve([nameGate], sourceGates);
    const audit = (result: 'success' | 'refused', reason?: string, details?: Record<string, unknown>) => this.d.audit.write({
      action: 'console.sign-in', actor: found?.accountName ?? typed, target: found?.accountName ?? typed, result, ...(reason ? { reason } : {}),
      correlationId: randomUUID().slice(0, 12), source: client.source, ...(details ? { details } : {}),
    });
    const refuse = async (reason: string): Promise<never> => {
      const blocked = await attempt.failed();
      audit('refused', reason, { blocked });
      throw new KeyhatchError('INVALID_CREDENTIALS');
    };
    let bindError: unknown;
    try { await this.d.directory.verifyPassword(found ?? this.d.directory.absentUser(target), password); } catch (err) { bindError = err; }
    if (!found) return refuse('unknown_user');
    if (bindError !== undefined && !isKeyhatchError(bindError, 'PASSWORD_MUST_CHANGE') && !isKeyhatchError(bindError, 'PASSWORD_EXPIRED')) {
      if (isKeyhatchError(bindError) && ['DIRECTORY_UNAVAILABLE', 'DIRECTORY_TLS', 'SERVICE_BIND_FAILED'].includes(bindError.code)) { await attempt.succeeded(); throw bindError; }
      return refuse((bindError as KeyhatchError).code ?? 'bind_failed');
    }
    const status = await this.d.directory.accountStatus(found);
    if (status.disabled) return refuse('disabled');
    // The password is proven: from here on nothing counts against the account's sign-in budget.
    await attempt.succeeded();
    const role = roleOf(await this.d.directory.groups(found), this.d.adminGroups, this.d.helpdeskGroups, (g) => groupKeyOf(this.d.directory, g));
    if (!role) {
      audit('refused', 'FORBIDDEN', { why: 'in no admin or help-desk group' });
      throw new KeyhatchError('FORBIDDEN', { message: 'This account may not use the Keyhatch admin console.', reason: 'not a member of an admin or help-desk group' });
    }
    audit('success', undefined, { role, method: 'password' });
    return { name: found.accountName ?? found.userPrincipalName ?? typed, displayName: found.displayName ?? found.accountName ?? typed, userKey: userKeyOf(found), role };
  }
}
