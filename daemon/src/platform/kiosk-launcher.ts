// What the daemon does when the credential provider asks for the kiosk: check the session is a
// real, attached one, give the kiosk a private profile directory and a secret minted for this
// launch only (in the environment block only; it stops working when that kiosk exits, crashes or
// is replaced), keep one kiosk per session, and audit it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSink } from '../log/audit.js';
import type { Logger } from '../log/logger.js';
import type { DesktopGrants } from './desktop-grants.js';
import type { KioskLaunches } from './kiosk-launches.js';
import type { LaunchHandler } from './launch-pipe-server.js';
import type { RecentResets } from './recent-resets.js';
import type { LaunchKioskRequest } from './launch-protocol.js';
import type { KioskProcess, NativeAddon } from './native-addon.js';

export interface KioskLauncherOptions {
  addon: Pick<NativeAddon, 'listSessions' | 'launchKiosk'>;
  /** The daemon's own origin (http://localhost:port). */
  origin: string;
  /** Mints the per-launch secret; the HTTP layer identifies kiosks through the same instance. */
  launches: KioskLaunches;
  executable: string;
  account: string;
  /** Extra kiosk arguments from config/policy (--keyhatch-idle, --keyhatch-locale). */
  kioskArgs?: readonly string[];
  dataDir: string;
  audit: AuditSink;
  log: Logger;
  /** Users reset lately (reported in Status so their tile offers the password field). */
  recentResets?: RecentResets;
  /** Records the desktop ACEs each launch grants and revokes them when the kiosk ends. */
  grants?: DesktopGrants;
  /** Whether the daemon can serve recoveries right now (directory reachable). */
  available: () => Promise<boolean>;
}

const ATTACHED = new Set(['active', 'connected']);

export class KioskLauncher implements LaunchHandler {
  private readonly running = new Map<number, { proc: KioskProcess; launchId: string }>();
  /** Sessions with a launch in progress, and revocations still running, per session. */
  private readonly launching = new Set<number>();
  private readonly revoking = new Map<number, Promise<void>>();
  constructor(private readonly o: KioskLauncherOptions) {}

  async status(): Promise<{ available: boolean; resetSids: string[] }> {
    return { available: await this.o.available().catch(() => false), resetSids: this.o.recentResets?.list() ?? [] };
  }

  async launchKiosk(req: LaunchKioskRequest): Promise<void> {
    const sessions = await this.o.addon.listSessions();
    const session = sessions.find((s) => s.sessionId === req.sessionId);
    if (!session || !ATTACHED.has(session.state) || session.sessionId === 0) {
      this.o.audit.write({ action: 'kiosk.launch', actor: 'logonui', result: 'refused', reason: 'BAD_SESSION', correlationId: `s${req.sessionId}`, details: { sessionId: req.sessionId } });
      throw new Error(`session ${req.sessionId} is not an attached interactive session`);
    }
    this.stop(req.sessionId); // one kiosk per session; a second click restarts it
    this.launching.add(req.sessionId);
    try {
      // The kiosk account's SID is the same for every launch: a revocation for the previous kiosk
      // must be over before this one's grant, or it would take the new ACEs away.
      await this.revoking.get(req.sessionId);
      await this.start(req);
    } finally {
      this.launching.delete(req.sessionId);
    }
  }

  private async start(req: LaunchKioskRequest): Promise<void> {
    const profile = join(this.o.dataDir, 'kiosk', String(req.sessionId));
    for (const d of ['AppData', 'LocalAppData', 'Temp']) mkdirSync(join(profile, d), { recursive: true });
    const query = new URLSearchParams({ action: req.action, scenario: req.scenario, ...(req.user ? { user: req.user } : {}) });
    const url = `${this.o.origin}/kiosk/?${query.toString()}`;
    // The Electron shell's launch contract (kiosk-ui/src/electron/policy.ts): URL as an argument,
    // secret only in its environment block (a command line is readable by every process).
    const { launch, secret } = this.o.launches.mint();
    let proc: KioskProcess;
    try {
      proc = await this.o.addon.launchKiosk({
        sessionId: req.sessionId, executable: this.o.executable, account: this.o.account, url, secret,
        args: [`--keyhatch-url=${url}`, ...(this.o.kioskArgs ?? [])],
        env: {
          KEYHATCH_KIOSK_SECRET: secret,
        SystemRoot: process.env.SystemRoot ?? 'C:\\Windows',
          APPDATA: join(profile, 'AppData'), LOCALAPPDATA: join(profile, 'LocalAppData'), TEMP: join(profile, 'Temp'), TMP: join(profile, 'Temp'),
          KEYHATCH_KIOSK_URL: url,
        },
      });
    } catch (err) {
      this.o.launches.end(launch.id); // never started: the secret must not outlive the attempt
      throw err;
    }
    this.running.set(req.sessionId, { proc, launchId: launch.id });
    // The kiosk account's ACEs on this session's WinSta0/Winlogon stay on file until revoked.
    const grant = proc.desktopAccessGranted && this.o.grants ? { sid: proc.sid, sessionId: req.sessionId } : undefined;
    if (grant) this.o.grants!.record(grant);
    this.o.audit.write({ action: 'kiosk.launch', actor: 'logonui', target: req.user, result: 'success', correlationId: `s${req.sessionId}-${proc.pid}`,
      details: { sessionId: req.sessionId, scenario: req.scenario, action: req.action, pid: proc.pid } });
    // Exit or crash: the secret dies with the process, whichever way it ended.
    const ended = (code?: number | null): void => {
      if (code === null) proc.terminate(); // still running after a day: end it with its secret
      this.o.launches.end(launch.id);
      if (this.running.get(req.sessionId)?.proc === proc) this.running.delete(req.sessionId);
      // A newer kiosk in this session holds the same account's ACEs: its own end revokes them.
      if (grant && !this.running.has(req.sessionId) && !this.launching.has(req.sessionId)) {
        const revoked = this.o.grants!.revoke(grant).catch((err: Error) =>
          this.o.log.warn('kiosk desktop access not revoked; retried at next start', { sessionId: req.sessionId, error: err.message }));
        this.revoking.set(req.sessionId, revoked);
        void revoked.finally(() => {
          if (this.revoking.get(req.sessionId) === revoked) this.revoking.delete(req.sessionId);
        });
      }
    };
    void proc.wait(24 * 3600_000).then(ended, () => ended());
  }

  private stop(sessionId: number): void {
    const entry = this.running.get(sessionId);
    if (!entry) return;
    this.running.delete(sessionId);
    this.o.launches.end(entry.launchId);
    entry.proc.terminate();
  }

  /** Kills every kiosk (daemon shutdown; the job objects would too) and voids their secrets. */
  stopAll(): void {
    for (const sessionId of [...this.running.keys()]) this.stop(sessionId);
  }
}
