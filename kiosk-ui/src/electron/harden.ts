// The one hardening function every kiosk window (and any web contents Electron creates) goes
// through. Written against the small part of Electron's API it uses, as structural types, so the
// very same function is exercised under Node by test/kiosk/harden.security.test.ts.
import { isAllowedNavigation, isBlockedShortcut, isPermissionAllowed, kioskHeaders, type KeyInput } from './policy.js';

interface Preventable { preventDefault(): void; url?: string }
type Listener = (...args: never[]) => void;

export interface HardenableContents {
  on(event: string, listener: Listener): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  closeDevTools(): void;
  readonly session: HardenableSession;
}

export interface HardenableSession {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void): void;
  setPermissionCheckHandler(handler: (wc: unknown, permission: string, requestingOrigin: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
  on(event: 'will-download', listener: (event: Preventable) => void): unknown;
  readonly webRequest: {
    onBeforeRequest(filter: { urls: string[] }, listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
    onBeforeSendHeaders(filter: { urls: string[] }, listener: (details: { url: string; requestHeaders: Record<string, string> }, callback: (response: { requestHeaders: Record<string, string> }) => void) => void): void;
  };
}

export interface HardenOptions {
  /** The daemon's origin: the only place the kiosk may go. */
  origin: string;
  /** The per-launch secret main adds to recovery API calls (page script never sees it). */
  secret: string;
  /** Called on every key press and click the page receives (idle timer). */
  onActivity?: () => void;
  /** Audit trail of what was refused (never contains the secret). */
  onBlocked?: (what: string, detail: string) => void;
}

/** data: images are allowed by the CSP (QR codes); every other request must go to the daemon. */
export function isAllowedRequest(url: string, origin: string): boolean {
  return url.startsWith('data:image/') || isAllowedNavigation(url, origin);
}

const hardenedSessions = new WeakSet<object>();

export function hardenContents(wc: HardenableContents, opts: HardenOptions): void {
  const blocked = (what: string, detail: string) => opts.onBlocked?.(what, detail);
  const guardNavigation = (event: Preventable, url?: string) => {
    const target = event.url ?? url ?? '';
    if (!isAllowedNavigation(target, opts.origin)) {
      event.preventDefault();
      blocked('navigation', target);
    }
  };

  wc.setWindowOpenHandler(({ url }) => { blocked('window.open', url); return { action: 'deny' }; });
  for (const ev of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
    wc.on(ev, ((event: Preventable, url?: string) => guardNavigation(event, url)) as Listener);
  }
  wc.on('will-attach-webview', ((event: Preventable) => { event.preventDefault(); blocked('webview', ''); }) as Listener);
  wc.on('devtools-opened', (() => { wc.closeDevTools(); blocked('devtools', ''); }) as Listener);
  wc.on('before-input-event', ((event: Preventable, input: KeyInput) => {
    opts.onActivity?.();
    if (isBlockedShortcut(input)) { event.preventDefault(); blocked('shortcut', [input.control && 'Ctrl', input.alt && 'Alt', input.shift && 'Shift', input.key].filter(Boolean).join('+')); }
  }) as Listener);

  const ses = wc.session;
  if (hardenedSessions.has(ses)) return;
  hardenedSessions.add(ses);
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const ok = isPermissionAllowed(permission, details.requestingUrl, opts.origin);
    if (!ok) blocked('permission', permission);
    callback(ok);
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin, opts.origin));
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => { event.preventDefault(); blocked('download', ''); });
  ses.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    const ok = isAllowedRequest(details.url, opts.origin);
    if (!ok) blocked('request', details.url);
    callback({ cancel: !ok });
  });
  ses.webRequest.onBeforeSendHeaders({ urls: [`${opts.origin}/api/v1/recovery*`] }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, ...kioskHeaders(details.url, opts.origin, opts.secret) } });
  });
}

/** App-wide refusals: no certificate-error bypass, no client-certificate or HTTP-auth prompts. */
export interface HardenableApp {
  on(event: string, listener: Listener): unknown;
}

export function hardenApp(app: HardenableApp, opts: HardenOptions): void {
  app.on('certificate-error', ((event: Preventable, _wc: unknown, url: string, _error: string, _cert: unknown, callback: (trust: boolean) => void) => {
    // Never trust: no bypass switch exists (DESIGN.md). Not calling preventDefault keeps Chromium's refusal.
    opts.onBlocked?.('certificate', url);
    callback(false);
  }) as Listener);
  app.on('select-client-certificate', ((event: Preventable, _wc: unknown, _url: string, _list: unknown, callback: () => void) => {
    event.preventDefault();
    callback();
  }) as Listener);
  // HTTP authentication prompts: answer with nothing, which cancels the request.
  app.on('login', ((event: Preventable, _wc: unknown, _details: unknown, _auth: unknown, callback: () => void) => {
    event.preventDefault();
    callback();
    opts.onBlocked?.('login', '');
  }) as Listener);
  app.on('web-contents-created', ((_event: unknown, contents: HardenableContents) => hardenContents(contents, opts)) as Listener);
}
