// The one hardening function, driven through Electron's documented event and handler shapes
// with EventEmitters standing in for WebContents/Session/App (no Electron binary here).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { hardenApp, hardenContents, isAllowedRequest, type HardenableApp, type HardenableContents, type HardenableSession } from '../../kiosk-ui/src/electron/harden.js';

const origin = 'http://127.0.0.1:7788';
const secret = 'S3cret-per-launch-0123456789abcdef';

class Ev { prevented = false; constructor(readonly url?: string) {} preventDefault(): void { this.prevented = true; } }

function fakeSession() {
  const s = new EventEmitter() as EventEmitter & HardenableSession & Record<string, unknown>;
  const h: Record<string, unknown> = {};
  Object.assign(s, {
    setPermissionRequestHandler: (f: unknown) => { h.request = f; },
    setPermissionCheckHandler: (f: unknown) => { h.check = f; },
    setDevicePermissionHandler: (f: unknown) => { h.device = f; },
    webRequest: {
      onBeforeRequest: (filter: unknown, f: unknown) => { h.beforeRequest = { filter, f }; },
      onBeforeSendHeaders: (filter: unknown, f: unknown) => { h.beforeHeaders = { filter, f }; },
    },
  });
  return { s, h };
}

function fakeContents(session = fakeSession()) {
  const wc = new EventEmitter() as EventEmitter & HardenableContents;
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
  let devtoolsClosed = 0;
  Object.assign(wc, {
    session: session.s,
    setWindowOpenHandler: (f: typeof openHandler) => { openHandler = f; },
    closeDevTools: () => { devtoolsClosed++; },
  });
  return { wc, session, open: (url: string) => openHandler?.({ url }), devtoolsClosed: () => devtoolsClosed };
}

describe('hardenContents / hardenApp (one hardening function for every window)', () => {
  it('denies window.open, blocks foreign navigation and redirects, and attaches no webview', () => {
    const blocked: string[] = [];
    const c = fakeContents();
    hardenContents(c.wc, { origin, secret, onBlocked: (w, d) => blocked.push(`${w} ${d}`) });
    assert.deepEqual(c.open('https://evil.example/'), { action: 'deny' });
    assert.deepEqual(c.open(`${origin}/kiosk/`), { action: 'deny' }, 'even same-origin popups');
    for (const ev of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const bad = new Ev('file:///C:/Windows/System32/cmd.exe');
      c.wc.emit(ev, bad);
      assert.equal(bad.prevented, true, ev);
      const old = new Ev();
      c.wc.emit(ev, old, 'https://evil.example/'); // older signature: url as the second argument
      assert.equal(old.prevented, true, `${ev} (url argument)`);
      const good = new Ev(`${origin}/kiosk/`);
      c.wc.emit(ev, good);
      assert.equal(good.prevented, false, `${ev} to the daemon`);
    }
    const wv = new Ev();
    c.wc.emit('will-attach-webview', wv);
    assert.equal(wv.prevented, true);
    c.wc.emit('devtools-opened');
    assert.equal(c.devtoolsClosed(), 1);
    assert.ok(blocked.some((b) => b.startsWith('window.open')) && blocked.some((b) => b.startsWith('navigation file:')));
    assert.ok(!blocked.join().includes(secret));
  });

  it('swallows leaving shortcuts and reports activity for the idle timer', () => {
    let activity = 0;
    const c = fakeContents();
    hardenContents(c.wc, { origin, secret, onActivity: () => activity++ });
    const reload = new Ev();
    c.wc.emit('before-input-event', reload, { type: 'keyDown', key: 'r', control: true });
    const typing = new Ev();
    c.wc.emit('before-input-event', typing, { type: 'keyDown', key: 'k' });
    assert.deepEqual([reload.prevented, typing.prevented, activity], [true, false, 2]);
  });

  it('denies permissions, devices and downloads; cancels foreign requests; adds the secret to recovery calls only', () => {
    const c = fakeContents();
    hardenContents(c.wc, { origin, secret });
    const h = c.session.h as Record<string, any>;
    let granted: boolean | undefined;
    h.request(null, 'media', (g: boolean) => { granted = g; }, { requestingUrl: `${origin}/kiosk/` });
    assert.equal(granted, false);
    assert.equal(h.check(null, 'notifications', origin), false);
    assert.equal(h.device({ deviceType: 'hid', origin }), false);
    const dl = new Ev();
    c.session.s.emit('will-download', dl);
    assert.equal(dl.prevented, true);

    assert.deepEqual(h.beforeRequest.filter, { urls: ['<all_urls>'] });
    const decide = (url: string) => { let r: { cancel: boolean } | undefined; h.beforeRequest.f({ url }, (x: { cancel: boolean }) => { r = x; }); return r?.cancel; };
    assert.equal(decide(`${origin}/kiosk/app.js`), false);
    assert.equal(decide('data:image/svg+xml;base64,PHN2Zz4='), false);
    assert.equal(decide('https://telemetry.example/beacon'), true);
    assert.equal(decide('file:///etc/passwd'), true);
    assert.equal(decide('data:text/html,hi'), true);

    assert.deepEqual(h.beforeHeaders.filter, { urls: [`${origin}/api/v1/recovery*`] });
    const headers = (url: string) => { let r: Record<string, string> | undefined; h.beforeHeaders.f({ url, requestHeaders: { Accept: 'application/json' } }, (x: { requestHeaders: Record<string, string> }) => { r = x.requestHeaders; }); return r; };
    assert.deepEqual(headers(`${origin}/api/v1/recovery/x/verify`), { Accept: 'application/json', 'X-Keyhatch-Kiosk': secret });
    assert.deepEqual(headers(`${origin}/api/v1/enrollment/login`), { Accept: 'application/json' });
  });

  it('hardens a session once even when several contents share it', () => {
    const shared = fakeSession();
    let setCalls = 0;
    const orig = shared.s.setPermissionRequestHandler;
    shared.s.setPermissionRequestHandler = (f) => { setCalls++; orig(f); };
    hardenContents(fakeContents(shared).wc, { origin, secret });
    hardenContents(fakeContents(shared).wc, { origin, secret });
    assert.equal(setCalls, 1);
  });

  it('app: never trusts a bad certificate, answers no client certificate or HTTP auth, hardens new contents', () => {
    const app = new EventEmitter();
    hardenApp(app as unknown as HardenableApp, { origin, secret });
    let trust: boolean | undefined;
    const certEv = new Ev();
    app.emit('certificate-error', certEv, {}, 'https://127.0.0.1:7788/', 'net::ERR_CERT_AUTHORITY_INVALID', {}, (t: boolean) => { trust = t; });
    assert.equal(trust, false);
    assert.equal(certEv.prevented, false, 'preventDefault would mean "trust it"');
    let clientCert: unknown = 'unset';
    const cc = new Ev();
    app.emit('select-client-certificate', cc, {}, origin, [{ subjectName: 'x' }], (c?: unknown) => { clientCert = c; });
    assert.equal(cc.prevented, true);
    assert.equal(clientCert, undefined);
    let authArgs: unknown[] | undefined;
    app.emit('login', new Ev(), {}, {}, {}, (...a: unknown[]) => { authArgs = a; });
    assert.deepEqual(authArgs, [], 'cancelled with no credentials');
    const c = fakeContents();
    app.emit('web-contents-created', {}, c.wc);
    assert.deepEqual(c.open('https://evil.example/'), { action: 'deny' }, 'contents created later are hardened too');
  });

  it('isAllowedRequest: only the daemon and inline images', () => {
    assert.equal(isAllowedRequest(`${origin}/portal/`, origin), true);
    assert.equal(isAllowedRequest('ws://127.0.0.1:7788/', origin), false);
  });
});
