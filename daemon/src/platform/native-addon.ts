// Typed promise API over native/addon (keyhatch_native.node): DPAPI, Event Log, WTS sessions,
// launch-pipe security and the kiosk launch. Windows only: everywhere else nativeAddonAvailable()
// is false and loadNativeAddon() throws KeyhatchNativeUnavailable, and the daemon uses its
// portable fallbacks (0600 secret file, JSON log lines only, no kiosk launch).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type DpapiScope = 'machine' | 'user';
export type EventLogLevel = 'info' | 'warning' | 'error';

export interface WtsSession {
  sessionId: number;
  state: 'active' | 'connected' | 'connectQuery' | 'shadow' | 'disconnected' | 'idle' | 'listen' | 'reset' | 'down' | 'init' | 'unknown';
  winStation: string;
  user?: string;
  domain?: string;
  /** The session this process runs in. */
  current: boolean;
}

export interface KioskLaunchOptions {
  sessionId: number;
  executable: string;
  args?: string[];
  cwd?: string;
  /** The kiosk's whole environment (nothing is inherited from the daemon). */
  env?: Record<string, string>;
  /** Origin the kiosk loads; passed as KEYHATCH_KIOSK_URL. */
  url: string;
  /** Per-launch secret; passed as KEYHATCH_LAUNCH_SECRET in the environment block, never on the command line. */
  secret: string;
  /** Throwaway local account (created on first use, password rotated per launch). Omit only outside a service: then a restricted, low-integrity copy of the caller's token is used, and a SYSTEM caller is refused. */
  account?: string;
  /** Default WinSta0\Winlogon. */
  desktop?: string;
  /** Default true: add the kiosk user to the window station's and desktop's DACL. */
  grantDesktopAccess?: boolean;
  /**
   * keyhatch-session-helper.exe, which the service starts as SYSTEM in the target session to
   * grant desktop access and start the kiosk there (a session 0 service cannot open another
   * session's WinSta0). Default: the helper next to the addon when present. false: start the
   * kiosk directly, which works only when the daemon runs in the kiosk's session.
   */
  sessionHelper?: string | false;
}

export interface KioskProcess {
  id: number;
  pid: number;
  desktopAccessGranted: boolean;
  /** The kiosk user's SID: whose desktop ACEs to revoke after it exits (revokeDesktopAccess). */
  sid: string;
  /** Exit code, or null when timeoutMs passed first. */
  wait(timeoutMs: number): Promise<number | null>;
  /** Kills the kiosk and every process it started (its job). */
  terminate(): void;
  /** What the kiosk's job enforces, read back from the kernel. */
  describe(): KioskJobInfo;
}

/** null where the kernel cannot report that class (Wine lacks some). */
export interface KioskJobInfo {
  limitFlags: number | null;
  activeProcessLimit: number | null;
  uiRestrictions: number | null;
  activeProcesses: number | null;
}

export interface NativeAddon {
  protect(data: Buffer, scope: DpapiScope, entropy?: Buffer): Promise<Buffer>;
  unprotect(blob: Buffer, scope: DpapiScope, entropy?: Buffer): Promise<Buffer>;
  /** Sets a protected DACL (SYSTEM + Administrators, full control, inherited) on a directory. */
  restrictDirectory(dirPath: string): Promise<void>;
  /** Writes to the Application log with source "Keyhatch" (registered by the MSI). */
  writeEventLog(level: EventLogLevel, eventId: number, message: string): Promise<void>;
  listSessions(): Promise<WtsSession[]>;
  /** Replaces the pipe's DACL; the default allows SYSTEM only (LogonUI and the service). */
  restrictPipe(pipePath: string, sddl?: string): Promise<void>;
  /** The pipe's DACL as SDDL. */
  getPipeSecurity(pipePath: string): Promise<string>;
  /**
   * Sets the process token's default DACL (default: SYSTEM only) and returns the previous one as
   * SDDL ("D:NO_ACCESS_CONTROL" for none); synchronous, so callers can scope it to one call.
   */
  setDefaultDacl(sddl?: string): string;
  /**
   * Removes every ACE naming `sid` from WinSta0 and `desktop` (default WinSta0\\Winlogon) of that
   * session; through keyhatch-session-helper.exe when the session is not the daemon's own.
   */
  revokeDesktopAccess(sid: string, sessionId: number, desktop?: string): Promise<void>;
  /** The DACLs (SDDL) of the daemon's own session's window station and `desktop`. */
  getDesktopSecurity(desktop?: string): { station: string; desktop: string };
  /**
   * The local kiosk account outside a launch: "status"; "ensure" creates it disabled (random
   * password, remote logon denied) if missing, for the installer; "disable" (service start).
   */
  kioskAccount(name: string, action: 'status' | 'ensure' | 'disable'): Promise<{ exists: boolean; disabled: boolean }>;
  launchKiosk(options: KioskLaunchOptions): Promise<KioskProcess>;
  /** A key under HKLM (or "HKCU\\…") with its values and subkeys; null when absent (registry.cc). */
  readRegistryTree(path: string): Promise<RegistryTree | null>;
  /** Calls onChange (coalesced) whenever anything under the HKLM key changes; the key must exist. */
  watchRegistryTree(path: string, onChange: () => void): { close(): void };
  /**
   * Updates this machine's cached logon verifier for DOMAIN\\account (MSV1_0 ChangeCachedPassword
   * through LsaCallAuthenticationPackage; the service must run as SYSTEM). Decide with
   * decideCachedCredentialUpdate (cached-credential.ts) first.
   */
  changeCachedPassword(domain: string, account: string, newPassword: string): Promise<void>;
}

/** REG_DWORD → number, REG_SZ/REG_EXPAND_SZ → string, REG_MULTI_SZ → string[]; other types are left out. */
export interface RegistryTree {
  values: Record<string, number | string | string[]>;
  keys: Record<string, RegistryTree>;
}

export class KeyhatchNativeUnavailable extends Error {
  readonly code = 'NATIVE_UNAVAILABLE';
  constructor(reason: string) {
    super(`the Keyhatch native addon is not available: ${reason}`);
    this.name = 'KeyhatchNativeUnavailable';
  }
}

/** The raw module as exported by addon.cc. */
interface RawAddon {
  protect(data: Buffer, scope: DpapiScope, entropy?: Buffer): Promise<Buffer>;
  unprotect(blob: Buffer, scope: DpapiScope, entropy?: Buffer): Promise<Buffer>;
  restrictDirectory(dirPath: string): Promise<void>;
  writeEventLog(level: EventLogLevel, eventId: number, message: string): Promise<void>;
  listSessions(): Promise<WtsSession[]>;
  restrictPipe(pipePath: string, sddl?: string): Promise<void>;
  getPipeSecurity(pipePath: string): Promise<string>;
  setDefaultDacl(sddl?: string): string;
  revokeDesktopAccess(sid: string, sessionId: number, desktop?: string, sessionHelper?: string): Promise<void>;
  getDesktopSecurity(desktop?: string): { station: string; desktop: string };
  kioskAccount(name: string, action: string): Promise<{ exists: boolean; disabled: boolean }>;
  launchKiosk(options: Record<string, unknown>): Promise<{ id: number; pid: number; desktopAccessGranted: boolean; sid: string }>;
  waitKiosk(id: number, timeoutMs: number): Promise<number | null>;
  terminateKiosk(id: number): void;
  describeKiosk(id: number): KioskJobInfo;
  readRegistryTree(path: string): Promise<RegistryTree | null>;
  watchRegistryTree(path: string, onChange: () => void): { close(): void };
  changeCachedPassword(domain: string, account: string, newPassword: string): Promise<void>;
}

const ADDON_FILE = 'keyhatch_native.node';
const HELPER_FILE = 'keyhatch-session-helper.exe';

function moduleDir(): string {
  // import.meta.url is absent when this file is bundled to CommonJS (the Windows service build).
  const url = (import.meta as { url?: string }).url;
  return url ? path.dirname(fileURLToPath(url)) : path.dirname(process.execPath);
}

/** Where the addon may live: KEYHATCH_NATIVE_ADDON, next to the executable, or the repo's build dirs. */
export function addonCandidates(): string[] {
  const fromEnv = process.env.KEYHATCH_NATIVE_ADDON;
  const repo = path.resolve(moduleDir(), '../../..');
  return [
    ...(fromEnv ? [fromEnv] : []),
    path.join(path.dirname(process.execPath), ADDON_FILE),
    path.join(repo, 'build', 'Release', ADDON_FILE),
    path.join(repo, 'native', 'addon', 'build', ADDON_FILE),
  ];
}

let cached: NativeAddon | undefined;

export function nativeAddonAvailable(): boolean {
  try {
    loadNativeAddon();
    return true;
  } catch (err) {
    if (err instanceof KeyhatchNativeUnavailable) return false;
    throw err;
  }
}

export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  if (process.platform !== 'win32') throw new KeyhatchNativeUnavailable(`this platform is ${process.platform}; it exists on Windows only`);
  const file = addonCandidates().find((candidate) => fs.existsSync(candidate));
  if (!file) throw new KeyhatchNativeUnavailable(`${ADDON_FILE} not found (looked in ${addonCandidates().join(', ')})`);
  const require = createRequire(pathToFileURL(file));
  let raw: RawAddon;
  try {
    raw = require(file) as RawAddon;
  } catch (err) {
    throw new KeyhatchNativeUnavailable(`${file} failed to load: ${(err as Error).message}`);
  }
  const helper = path.join(path.dirname(file), HELPER_FILE);
  cached = wrap(raw, fs.existsSync(helper) ? helper : undefined);
  return cached;
}

function wrap(raw: RawAddon, defaultHelper: string | undefined): NativeAddon {
  return {
    protect: (data, scope, entropy) => raw.protect(data, scope, entropy),
    unprotect: (blob, scope, entropy) => raw.unprotect(blob, scope, entropy),
    restrictDirectory: (dirPath) => raw.restrictDirectory(dirPath),
    writeEventLog: (level, eventId, message) => raw.writeEventLog(level, eventId, message),
    listSessions: () => raw.listSessions(),
    restrictPipe: (pipePath, sddl) => raw.restrictPipe(pipePath, sddl),
    getPipeSecurity: (pipePath) => raw.getPipeSecurity(pipePath),
    setDefaultDacl: (sddl) => raw.setDefaultDacl(sddl),
    revokeDesktopAccess: (sid, sessionId, desktop) => raw.revokeDesktopAccess(sid, sessionId, desktop, defaultHelper),
    getDesktopSecurity: (desktop) => raw.getDesktopSecurity(desktop),
    kioskAccount: (name, action) => raw.kioskAccount(name, action),
    readRegistryTree: (keyPath) => raw.readRegistryTree(keyPath),
    watchRegistryTree: (keyPath, onChange) => raw.watchRegistryTree(keyPath, onChange),
    changeCachedPassword: (domain, account, newPassword) => raw.changeCachedPassword(domain, account, newPassword),
    async launchKiosk(options) {
      const args = options.args ?? [];
      if (options.secret.length < 16) throw new RangeError('secret must be at least 16 characters');
      // Defence in depth: a command line is readable by every process on the machine.
      if (args.some((a) => a.includes(options.secret)) || options.executable.includes(options.secret)) {
        throw new RangeError('secret must never appear on the command line; it is passed in the environment');
      }
      const sessionHelper = options.sessionHelper === false ? undefined : (options.sessionHelper ?? defaultHelper);
      const started = await raw.launchKiosk({
        sessionId: options.sessionId,
        executable: options.executable,
        args,
        ...(options.cwd !== undefined && { cwd: options.cwd }),
        env: { ...options.env, KEYHATCH_KIOSK_URL: options.url, KEYHATCH_LAUNCH_SECRET: options.secret },
        ...(options.account !== undefined && { account: options.account }),
        ...(options.desktop !== undefined && { desktop: options.desktop }),
        ...(options.grantDesktopAccess !== undefined && { grantDesktopAccess: options.grantDesktopAccess }),
        ...(sessionHelper !== undefined && { sessionHelper }),
      });
      return {
        ...started,
        wait: (timeoutMs: number) => raw.waitKiosk(started.id, timeoutMs),
        terminate: () => raw.terminateKiosk(started.id),
        describe: () => raw.describeKiosk(started.id),
      };
    },
  };
}

/** For LaunchPipeServer's `secure` option: restricts the launch pipe to SYSTEM once it exists. */
export function restrictLaunchPipe(addon: NativeAddon): (pipePath: string) => Promise<void> {
  return (pipePath) => addon.restrictPipe(pipePath);
}

/**
 * For LaunchPipeServer's `guardCreation` option: SYSTEM-only default DACL for the duration of
 * listen(), so the pipe has it from its first instance; the previous default is put back after.
 */
export function guardLaunchPipeCreation(addon: NativeAddon): () => () => void {
  return () => {
    const previous = addon.setDefaultDacl();
    return () => void addon.setDefaultDacl(previous);
  };
}
