// Accessibility and locale behaviour of the kiosk in Chromium against the real daemon: the whole
// journey by keyboard only (focus moved to each step, visible focus), languages from the system
// locale and the picker, the countdown with its announcements and expiry, high contrast and 200 % zoom.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { rememberSecret } from '../support/run-dir.js';
import { checkStep, focused, launchChromium, newContext } from './support/browser.js';
import { startUiDaemon, type UiDaemon } from './support/daemon-ui.js';

describe('kiosk accessibility and languages in Chromium (keyboard only, locales, countdown, zoom, high contrast)', function () {
  this.timeout(180_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: UiDaemon;
  let browser: Browser;
  let offset = 0;
  const now = () => Date.now() + offset;
  const user = { name: 'kiosk2', password: 'Kiosk2-Start-2026!', display: 'Lars Ostrander', mail: 'kiosk2@mail.keyhatch.test' };
  let totp: OTPAuth.TOTP;

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password);
    await admin.addUser({ name: user.name, password: user.password, displayName: user.display, mail: user.mail }, d.seed.peopleOu);
    k = await startUiDaemon(d, now);
    // Enroll TOTP through the real API (the portal UI itself is covered by kiosk-journey.test.ts).
    const login = await k.api('POST', '/api/v1/enrollment/login', { username: user.name, password: user.password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    rememberSecret(login.body.token);
    const auth = { authorization: `Bearer ${login.body.token as string}` };
    const add = await k.api('POST', '/api/v1/enrollment/factors/totp', {}, auth);
    rememberSecret(add.body.secret);
    totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(add.body.secret) });
    assert.equal((await k.api('POST', `/api/v1/enrollment/factors/${add.body.factorId}/confirm`, { code: totp.generate({ timestamp: now() }) }, auth)).status, 200);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await k?.close();
    await admin?.close();
  });

  const kioskUrl = () => `${k.origin}/kiosk/#k=${k.kioskSecret}`;
  const waitStep = (page: Page, s: string) => page.locator(`#view[data-step="${s}"]`).waitFor({ timeout: 60_000 });
  async function tabTo(page: Page, target: string, max = 15): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await focused(page) === target) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached ${target} (at ${await focused(page)})`);
  }
  async function focusIsVisible(page: Page): Promise<boolean> {
    return page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return false;
      const s = getComputedStyle(el);
      return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    });
  }

  it('walks the whole reset journey by keyboard only, focus moving to each step and always visible', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const pw = 'Birch-Autumn-2026!';
    rememberSecret(pw);
    await page.goto(kioskUrl());
    await waitStep(page, 'who');
    assert.equal(await focused(page), 'username');
    await page.keyboard.type(user.name);
    await page.keyboard.press('Enter');

    await waitStep(page, 'method');
    const first = await page.locator('[data-factor]').first().getAttribute('data-factor');
    assert.equal(await focused(page), `button[factor=${first}]`, 'focus on the first choice');
    await tabTo(page, 'button[factor=helpdesk]');
    assert.ok(await focusIsVisible(page), 'visible focus on a choice');
    // Back through the menu (the same fixed menu for everyone) to the authenticator app.
    for (let i = 0; i < 6 && await focused(page) !== 'button[factor=totp]'; i++) await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page), 'button[factor=totp]');
    assert.ok(await focusIsVisible(page), 'visible focus on a choice');
    await checkStep(page, 'keyboard-01-methods');
    await page.keyboard.press('Enter');

    await waitStep(page, 'verify');
    assert.equal(await focused(page), 'code');
    offset += 30_000; // a TOTP step the enrollment did not use
    await page.keyboard.type(totp.generate({ timestamp: now() }));
    await page.keyboard.press('Enter');

    await waitStep(page, 'action');
    assert.equal(await focused(page), 'button[action=reset]');
    assert.ok(await focusIsVisible(page));
    await page.keyboard.press('Enter');

    await waitStep(page, 'password');
    assert.equal(await focused(page), 'new-password');
    await page.keyboard.type(pw);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'confirm-password');
    await page.keyboard.type(pw);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button', 'the show/hide toggle is next');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#view .toggle', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('#new-password', 'type'), 'text', 'shown as text after the toggle');
    assert.equal(await page.locator('#rules li.bad').count(), 0);
    await checkStep(page, 'keyboard-02-password-shown');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');

    await waitStep(page, 'done');
    assert.match(await focused(page), /^button/, 'focus on "Return to the sign-in screen"');
    await checkStep(page, 'keyboard-03-done');
    const kin = await d.dc.kinit(user.name, pw);
    assert.equal(kin.ok, true, kin.message);
    await page.keyboard.press('Enter');
    await waitStep(page, 'who');
    assert.equal(await focused(page), 'username');
    await ctx.close();
  });

  it('picks the language from the system locale, and the picker switches it (all five, axe clean in each)', async () => {
    const ctx = await newContext(browser, { locale: 'de-DE' });
    const page = await ctx.newPage();
    await page.goto(kioskUrl());
    await waitStep(page, 'who');
    assert.equal(await page.locator('h1').textContent(), 'Wer sind Sie?');
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    const headings: Record<string, string> = { en: 'Who are you?', fr: 'Qui êtes-vous ?', es: '¿Quién es usted?', nl: 'Wie bent u?', de: 'Wer sind Sie?' };
    for (const [lang, heading] of Object.entries(headings)) {
      await page.selectOption('#lang', lang);
      await page.locator('h1', { hasText: heading }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.locator('label[for=lang]').textContent() !== '', true);
      await checkStep(page, `lang-${lang}-who`);
    }
    // Errors are translated by code: a name AD never allows → INVALID_USERNAME in German.
    await page.fill('#username', 'bad*name');
    await page.press('#username', 'Enter');
    await page.locator('#error', { hasText: 'Geben Sie Ihren Benutzernamen' }).waitFor();
    await ctx.close();

    const portalCtx = await newContext(browser, { locale: 'nl-NL' });
    const portal = await portalCtx.newPage();
    await portal.goto(`${k.origin}/portal/`);
    await portal.locator('h1', { hasText: 'Wachtwoordherstel instellen' }).waitFor();
    await checkStep(portal, 'lang-nl-portal', 'login');
    await portalCtx.close();
  });

  it('shows the countdown, announces it near the end and ends the session with a clear screen', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.clock.install();
    await page.goto(kioskUrl());
    await waitStep(page, 'who');
    assert.equal(await page.locator('#timer').isVisible(), false, 'no countdown before a session exists');
    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await waitStep(page, 'method');
    const shown = /^Time left: (\d+):(\d\d)$/.exec(await page.locator('#timer').textContent() ?? '');
    assert.ok(shown, 'the countdown reads m:ss');
    const left = Number(shown[1]) * 60 + Number(shown[2]);
    assert.ok(left > 500 && left <= 660, `about ten minutes left (${left} s)`);
    assert.equal(await page.locator('#timer.warning').count(), 0);
    await page.clock.fastForward((left - 55) * 1000);
    await page.locator('#timer.warning').waitFor();
    await page.locator('#announce', { hasText: 'Your session ends in' }).waitFor();
    assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
    await checkStep(page, 'countdown-01-warning');
    await page.clock.fastForward(60_000);
    await waitStep(page, 'expired');
    assert.equal(await page.locator('h1').textContent(), 'Your session has ended');
    assert.match(await page.locator('#error').textContent() ?? '', /session has ended/);
    assert.equal(await page.getAttribute('#error', 'role'), 'alert');
    assert.equal(await focused(page), 'button');
    await checkStep(page, 'countdown-02-expired');
    await page.keyboard.press('Enter');
    await waitStep(page, 'who');
    await ctx.close();
  });

  it('works in Windows high contrast (forced colors) and at 200 % zoom without horizontal scrolling', async () => {
    // 200 % zoom of a 1280×800 screen = a 640×400 CSS-pixel viewport at device scale 2.
    const ctx = await newContext(browser, { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(kioskUrl());
    await waitStep(page, 'who');
    const noHScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    assert.ok(await noHScroll(), 'who: no horizontal scrolling at 200 %');
    await checkStep(page, 'zoom200-hc-01-who');
    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await waitStep(page, 'method');
    assert.ok(await noHScroll(), 'methods: no horizontal scrolling at 200 %');
    await checkStep(page, 'zoom200-hc-02-methods');
    await page.click('[data-factor=totp]');
    await waitStep(page, 'verify');
    offset += 30_000;
    await page.fill('#code', totp.generate({ timestamp: now() }));
    await page.press('#code', 'Enter');
    await waitStep(page, 'action');
    await page.click('[data-action=reset]');
    await waitStep(page, 'password');
    await page.fill('#new-password', 'short');
    assert.ok(await noHScroll(), 'password: no horizontal scrolling at 200 %');
    await checkStep(page, 'zoom200-hc-03-password');
    await ctx.close();
  });
});
