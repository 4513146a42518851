// Hardening policy of the kiosk shell as plain functions: what a window is created with, where it
// may navigate, which permissions and requests are allowed, which keys are swallowed, and how the
// launch arguments are read. The Electron main process (kiosk.main.ts) only wires these in; they
// run and are tested under Node, where no Electron binary is available.
import { LOCALE_ARG } from './bridge.js';

/** Exactly the options every kiosk window is created with. */
export function windowOptions(preloadPath: string, locale: string | null) {
  return {
    fullscreen: true,
    kiosk: true,
    frame: false,
    autoHideMenuBar: true,
    alwaysOnTop: true,
    closable: true,
    minimizable: false,
    maximizable: false,
    resizable: false,
    skipTaskbar: true,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      devTools: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      disableDialogs: true,
      additionalArguments: locale ? [`${LOCALE_ARG}${locale}`] : [],
    },
  } as const;
}

/** The single origin the kiosk may show: the daemon's, http(s) only. */
export function allowedOrigin(kioskUrl: string): string {
  const u = new URL(kioskUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`kiosk URL must be http(s): ${kioskUrl}`);
  if (u.username || u.password) throw new Error('kiosk URL must not carry credentials');
  return u.origin;
}

/**
 * Chromium switches for a kiosk page served under an organisation host name (`kiosk.hostName`, e.g.
 * keyhatch-kiosk.corp.example), so security keys enrolled on the portal (RP ID corp.example) work
 * at the kiosk. The name resolves to 127.0.0.1 inside the kiosk only (no DNS answer an attacker could
 * give), and the loopback page counts as a secure context as http://localhost does. None for loopback names.
 */
export function loopbackAliasSwitches(origin: string): Array<[string, string]> {
  const u = new URL(origin);
  const host = u.hostname.toLowerCase();
  if (['localhost', '127.0.0.1', '[::1]'].includes(host) || host.endsWith('.localhost')) return [];
  const map: [string, string] = ['host-resolver-rules', `MAP ${host} 127.0.0.1`];
  return u.protocol === 'http:' ? [map, ['unsafely-treat-insecure-origin-as-secure', u.origin]] : [map];
}

/** Navigation allowlist: same scheme, host and port as the daemon; everything else is refused. */
export function isAllowedNavigation(target: string, origin: string): boolean {
  let u: URL;
  try { u = new URL(target); } catch { return false; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username || u.password) return false;
  return u.origin === origin;
}

/**
 * Permission requests and checks. Chromium's WebAuthn (security keys, Windows Hello) is not a
 * permission: it only needs the page's own origin and a user gesture, so it keeps working while
 * every permission (camera, notifications, HID/USB/serial device pickers, clipboard, geolocation,
 * fullscreen by script, openExternal, …) is refused. The allowlist is deliberately empty.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

export function isPermissionAllowed(permission: string, requestingUrl: string | undefined, origin: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAllowedNavigation(requestingUrl, origin);
}

/** The only request headers main adds: the per-launch secret, to the daemon's recovery API only. */
export function kioskHeaders(url: string, origin: string, secret: string): Record<string, string> {
  if (!isAllowedNavigation(url, origin)) return {};
  const path = new URL(url).pathname;
  return path === '/api/v1/recovery' || path.startsWith('/api/v1/recovery/') ? { 'X-Keyhatch-Kiosk': secret } : {};
}

export interface KeyInput {
  type: string; key: string; control?: boolean; meta?: boolean; alt?: boolean; shift?: boolean;
}

/**
 * Keys that would leave the app or open a browser surface: reload, devtools, print, save, open,
 * new window/tab, find, view source, history, downloads, fullscreen toggle, caret browsing, help.
 * Typing, Tab, Enter, Escape, arrows and zoom (Ctrl +/-/0, for 200 % zoom) stay allowed.
 */
export function isBlockedShortcut(input: KeyInput): boolean {
  if (input.type !== 'keyDown' && input.type !== 'rawKeyDown') return false;
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  if (['F1', 'F3', 'F5', 'F6', 'F7', 'F11', 'F12', 'BrowserBack', 'BrowserForward', 'BrowserRefresh', 'BrowserHome', 'BrowserSearch'].includes(key)) return true;
  if (input.alt && (key === 'ArrowLeft' || key === 'ArrowRight' || key === 'Home' || key === 'd')) return true;
  // AltGr arrives as Ctrl+Alt: characters typed with it (@ \ | € on many layouts) must get through.
  if (input.control && input.alt && input.key.length === 1) return false;
  if (input.control || input.meta) {
    if (['0', '+', '-', '=', 'a', 'c', 'v', 'x', 'z', 'y', 'ArrowLeft', 'ArrowRight', 'Backspace', 'Delete', 'Home', 'End'].includes(key) && !input.shift) return false;
    if (key === 'z' && input.shift) return false; // redo
    return true;
  }
  return false;
}

export interface LaunchSettings {
  /** Where the kiosk page is (the daemon's /kiosk/ on loopback). */
  url: string;
  origin: string;
  /** The per-launch secret; read from the environment, never from the command line. */
  secret: string;
  locale: string | null;
  /** Quit after this long without input. */
  idleSeconds: number;
}

/**
 * Reads `--keyhatch-url=…`, `--keyhatch-locale=…`, `--keyhatch-idle=…` and the secret from
 * KEYHATCH_KIOSK_SECRET (a command line is visible to every process on the machine; the
 * environment of a process is not). Throws a clear message when something is missing or wrong.
 */
export function parseLaunch(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LaunchSettings {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--keyhatch-${name}=`))?.slice(`--keyhatch-${name}=`.length);
  if (argv.some((a) => /^--keyhatch-secret/.test(a))) throw new Error('the kiosk secret must come from KEYHATCH_KIOSK_SECRET, never the command line');
  const url = arg('url');
  if (!url) throw new Error('missing --keyhatch-url=<daemon kiosk URL>');
  const origin = allowedOrigin(url);
  const host = new URL(url).hostname;
  if (new URL(url).protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new Error('plain http is only allowed on loopback; use https for a remote daemon');
  }
  const secret = env.KEYHATCH_KIOSK_SECRET;
  if (!secret || secret.length < 16) throw new Error('missing KEYHATCH_KIOSK_SECRET (the per-launch secret from the daemon)');
  const locale = arg('locale') ?? null;
  if (locale !== null && !/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale)) throw new Error(`bad --keyhatch-locale: ${locale}`);
  const idleRaw = arg('idle');
  const idleSeconds = idleRaw === undefined ? 300 : Number(idleRaw);
  if (!Number.isInteger(idleSeconds) || idleSeconds < 30 || idleSeconds > 3600) throw new Error('--keyhatch-idle must be 30…3600 seconds');
  return { url, origin, secret, locale, idleSeconds };
}

/** Quits the kiosk after `idleMs` without activity. The clock is injectable for tests. */
export class IdleTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
    private readonly timers: { set: typeof setTimeout; clear: typeof clearTimeout } = { set: setTimeout, clear: clearTimeout },
  ) {}
  poke(): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = this.timers.set(() => { this.handle = undefined; this.onIdle(); }, this.idleMs);
  }
  stop(): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }
}
