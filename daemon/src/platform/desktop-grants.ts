// The ACEs a kiosk launch grants its user on WinSta0 and the Winlogon desktop of a session, kept
// in a small file under the data dir until they are revoked: after the kiosk exits (or crashes),
// and at service start for whatever a previous run (killed, crashed, machine reset) left behind.
import fs from 'node:fs';
import path from 'node:path';
import type { NativeAddon } from './native-addon.js';

export interface DesktopGrant { readonly sid: string; readonly sessionId: number }

const FILE = 'kiosk-desktop-grants.json';

export class DesktopGrants {
  private readonly file: string;
  constructor(dataDir: string, private readonly addon: Pick<NativeAddon, 'revokeDesktopAccess'>) {
    this.file = path.join(dataDir, FILE);
  }

  /** Remembers a grant (written before anything else can happen to the kiosk). */
  record(grant: DesktopGrant): void {
    const all = this.read().filter((g) => !same(g, grant));
    this.write([...all, { sid: grant.sid, sessionId: grant.sessionId }]);
  }

  /** Takes the grant's ACEs away and forgets it; a failure keeps it for the next start. */
  async revoke(grant: DesktopGrant): Promise<void> {
    await this.addon.revokeDesktopAccess(grant.sid, grant.sessionId);
    this.write(this.read().filter((g) => !same(g, grant)));
  }

  /**
   * At service start: revokes every grant still on file, then forgets them all. One attempt is
   * enough: a window station lives only as long as its session, so a grant whose session is gone
   * (the usual failure: the machine restarted) went with it. Returns the failures, for the log.
   */
  async revokeLeftovers(): Promise<Array<DesktopGrant & { error: string }>> {
    const failed: Array<DesktopGrant & { error: string }> = [];
    for (const grant of this.read()) {
      await this.revoke(grant).catch((err: Error) => failed.push({ ...grant, error: err.message }));
    }
    if (failed.length > 0) this.write([]);
    return failed;
  }

  /** The grants not yet revoked. */
  pending(): DesktopGrant[] {
    return this.read();
  }

  private read(): DesktopGrant[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`${this.file} is not a list of grants`);
    return parsed.filter(
      (g): g is DesktopGrant => typeof g?.sid === 'string' && /^S-1-[0-9-]+$/.test(g.sid) && Number.isInteger(g.sessionId) && g.sessionId > 0,
    );
  }

  private write(grants: DesktopGrant[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(grants));
    fs.renameSync(tmp, this.file);
  }
}

const same = (a: DesktopGrant, b: DesktopGrant): boolean => a.sid === b.sid && a.sessionId === b.sessionId;
