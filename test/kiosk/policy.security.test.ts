// The kiosk shell's hardening policy, as plain functions (no Electron binary exists here).
import assert from 'node:assert/strict';
import { LOCALE_ARG } from '../../kiosk-ui/src/electron/bridge.js';
import {
  ALLOWED_PERMISSIONS, IdleTimer, allowedOrigin, isAllowedNavigation, isBlockedShortcut, isPermissionAllowed, kioskHeaders, parseLaunch, windowOptions,
} from '../../kiosk-ui/src/electron/policy.js';

const origin = 'http://127.0.0.1:7788';
const secret = 'S3cret-per-launch-0123456789abcdef';

describe('kiosk shell policy (Electron hardening as plain modules)', () => {
  it('creates every window sandboxed, context-isolated, without Node, devtools, webviews or dialogs', () => {
    const o = windowOptions('/opt/keyhatch/kiosk.preload.cjs', 'de-DE');
    assert.equal(o.kiosk, true);
    assert.equal(o.fullscreen, true);
    const w = o.webPreferences;
    assert.deepEqual(
      [w.sandbox, w.contextIsolation, w.nodeIntegration, w.nodeIntegrationInWorker, w.nodeIntegrationInSubFrames, w.webviewTag, w.devTools, w.webSecurity, w.allowRunningInsecureContent, w.disableDialogs, w.navigateOnDragDrop],
      [true, true, false, false, false, false, false, true, false, true, false]);
    assert.equal(w.preload, '/opt/keyhatch/kiosk.preload.cjs');
    assert.deepEqual(w.additionalArguments, [`${LOCALE_ARG}de-DE`], 'only the (non-secret) locale is passed to the renderer');
    assert.ok(!JSON.stringify(o).includes(secret));
  });

  it('allows navigation only to the daemon origin', () => {
    const ok = ['http://127.0.0.1:7788/kiosk/', 'http://127.0.0.1:7788/kiosk/#step', 'http://127.0.0.1:7788/api/v1/ui-config'];
    const refused = [
      'http://127.0.0.1:7789/kiosk/', 'https://127.0.0.1:7788/kiosk/', 'http://localhost:7788/kiosk/', 'http://evil.example/',
      'http://127.0.0.1:7788@evil.example/', 'http://user:pw@127.0.0.1:7788/', 'file:///C:/Windows/System32/cmd.exe', 'javascript:alert(1)',
      'data:text/html,<script>1</script>', 'about:blank', 'chrome://settings', 'devtools://devtools/bundled/inspector.html', 'ms-settings:', 'not a url', '',
    ];
    for (const u of ok) assert.equal(isAllowedNavigation(u, origin), true, u);
    for (const u of refused) assert.equal(isAllowedNavigation(u, origin), false, u);
  });

  it('refuses every permission request (WebAuthn needs none) and has an empty allowlist', () => {
    assert.equal(ALLOWED_PERMISSIONS.size, 0);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'usb', 'serial', 'fullscreen', 'openExternal', 'fileSystem', 'unknown']) {
      assert.equal(isPermissionAllowed(p, `${origin}/kiosk/`, origin), false, p);
    }
  });

  it('adds the kiosk secret only to the daemon recovery API', () => {
    assert.deepEqual(kioskHeaders(`${origin}/api/v1/recovery`, origin, secret), { 'X-Keyhatch-Kiosk': secret });
    assert.deepEqual(kioskHeaders(`${origin}/api/v1/recovery/abc/verify`, origin, secret), { 'X-Keyhatch-Kiosk': secret });
    for (const u of [`${origin}/api/v1/enrollment/login`, `${origin}/api/v1/recoveryX`, `${origin}/kiosk/app.js`, 'http://evil.example/api/v1/recovery', 'http://127.0.0.1:7789/api/v1/recovery']) {
      assert.deepEqual(kioskHeaders(u, origin, secret), {}, u);
    }
  });

  it('swallows shortcuts that leave the app, keeps typing, editing and zoom', () => {
    const k = (key: string, mods: Partial<{ control: boolean; alt: boolean; shift: boolean; meta: boolean }> = {}) => isBlockedShortcut({ type: 'keyDown', key, ...mods });
    for (const [key, mods] of [['r', { control: true }], ['F5', {}], ['F12', {}], ['i', { control: true, shift: true }], ['j', { control: true, shift: true }],
      ['p', { control: true }], ['s', { control: true }], ['o', { control: true }], ['n', { control: true }], ['t', { control: true }], ['w', { control: true }],
      ['u', { control: true }], ['f', { control: true }], ['h', { control: true }], ['F11', {}], ['ArrowLeft', { alt: true }], ['F7', {}], ['BrowserBack', {}]] as const) {
      assert.equal(k(key, mods), true, `${JSON.stringify(mods)} ${key}`);
    }
    for (const [key, mods] of [['a', {}], ['Tab', {}], ['Tab', { shift: true }], ['Enter', {}], ['Escape', {}], [' ', {}], ['ArrowDown', {}],
      ['c', { control: true }], ['v', { control: true }], ['x', { control: true }], ['z', { control: true }], ['a', { control: true }],
      ['+', { control: true }], ['-', { control: true }], ['0', { control: true }], ['@', { alt: true, control: true }], ['\\', { alt: true, control: true }]] as const) {
      // AltGr arrives as Ctrl+Alt: characters typed with it (a UPN's @, DOMAIN\\name) must still work.
      assert.equal(k(key, mods), false, `${JSON.stringify(mods)} ${key}`);
    }
    assert.equal(isBlockedShortcut({ type: 'keyUp', key: 'F5' }), false, 'only key-downs matter');
  });

  it('reads launch settings: URL from the command line, secret only from the environment', () => {
    const s = parseLaunch(['electron', '.', '--keyhatch-url=http://127.0.0.1:7788/kiosk/', '--keyhatch-locale=fr-FR', '--keyhatch-idle=120'], { KEYHATCH_KIOSK_SECRET: secret });
    assert.deepEqual(s, { url: 'http://127.0.0.1:7788/kiosk/', origin, secret, locale: 'fr-FR', idleSeconds: 120 });
    assert.equal(parseLaunch(['--keyhatch-url=http://127.0.0.1:7788/kiosk/'], { KEYHATCH_KIOSK_SECRET: secret }).idleSeconds, 300);
    assert.throws(() => parseLaunch([`--keyhatch-secret=${secret}`, '--keyhatch-url=http://127.0.0.1:7788/kiosk/'], { KEYHATCH_KIOSK_SECRET: secret }), /never the command line/);
    assert.throws(() => parseLaunch(['--keyhatch-url=http://127.0.0.1:7788/kiosk/'], {}), /KEYHATCH_KIOSK_SECRET/);
    assert.throws(() => parseLaunch([], { KEYHATCH_KIOSK_SECRET: secret }), /keyhatch-url/);
    assert.throws(() => parseLaunch(['--keyhatch-url=file:///C:/kiosk.html'], { KEYHATCH_KIOSK_SECRET: secret }), /http\(s\)/);
    assert.throws(() => parseLaunch(['--keyhatch-url=http://gateway.corp.example/kiosk/'], { KEYHATCH_KIOSK_SECRET: secret }), /only allowed on loopback/);
    assert.equal(parseLaunch(['--keyhatch-url=https://gateway.corp.example/kiosk/'], { KEYHATCH_KIOSK_SECRET: secret }).origin, 'https://gateway.corp.example');
    assert.throws(() => parseLaunch(['--keyhatch-url=http://127.0.0.1:7788/', '--keyhatch-locale=de;rm -rf'], { KEYHATCH_KIOSK_SECRET: secret }), /locale/);
    assert.throws(() => parseLaunch(['--keyhatch-url=http://127.0.0.1:7788/', '--keyhatch-idle=5'], { KEYHATCH_KIOSK_SECRET: secret }), /idle/);
    assert.throws(() => allowedOrigin('http://u:p@127.0.0.1/'), /credentials/);
  });

  it('quits when idle: the timer fires after the idle time, activity restarts it', () => {
    let t = 0;
    const pending = new Map<number, { at: number; fn: () => void }>();
    let next = 1;
    const timers = {
      set: ((fn: () => void, ms: number) => { pending.set(next, { at: t + ms, fn }); return next++; }) as unknown as typeof setTimeout,
      clear: ((id: number) => { pending.delete(id); }) as unknown as typeof clearTimeout,
    };
    const advance = (ms: number) => { t += ms; for (const [id, p] of [...pending]) if (p.at <= t) { pending.delete(id); p.fn(); } };
    let quits = 0;
    const idle = new IdleTimer(300_000, () => quits++, timers);
    idle.poke();
    advance(200_000);
    idle.poke();
    advance(200_000);
    assert.equal(quits, 0, 'activity kept it alive');
    advance(100_000);
    assert.equal(quits, 1);
    idle.poke();
    idle.stop();
    advance(1_000_000);
    assert.equal(quits, 1, 'stopped timers never fire');
  });
});
