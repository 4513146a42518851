// Which users were reset in the last minutes, for the credential provider's Status poll: their
// Keyhatch credential then offers "Sign in with your new password". Only SIDs travel (over the
// SYSTEM-only pipe), never a password: the user types the new one at the logon screen.
const SID = /^S-1-[0-9]+(-[0-9]+){1,14}$/;

export class RecentResets {
  private readonly at = new Map<string, number>();
  constructor(private readonly ttlMs = 10 * 60_000, private readonly max = 32, private readonly now: () => number = Date.now) {}

  /** Call after a successful reset of the user with this SID; malformed SIDs are ignored. */
  note(sid: string): void {
    if (!SID.test(sid)) return;
    this.at.delete(sid);
    this.at.set(sid, this.now());
    while (this.at.size > this.max) this.at.delete(this.at.keys().next().value as string);
  }

  /** SIDs still within the window, oldest first; the SID list fits the 4 KiB pipe frame. */
  list(): string[] {
    const cutoff = this.now() - this.ttlMs;
    for (const [sid, t] of this.at) if (t < cutoff) this.at.delete(sid);
    return [...this.at.keys()];
  }
}
