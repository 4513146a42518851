// The admin console in headless Chromium against a real gateway (Samba, SMTP): keyboard only from
// sign-in to a verified caller's unlock, axe-core 0 violations and no CSP violation on every page,
// in all five languages, and a help-desk agent never sees the admin pages.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildAdminUi } from '../../admin-ui/build.js';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { freshDir, rememberSecret } from '../support/run-dir.js';
import { startSmtpCatcher, type SmtpCatcher } from '../support/smtp-catcher.js';
import { checkStep, focused, launchChromium, newContext } from '../e2e/support/browser.js';
import { consoleWorld, type ConsoleWorld } from './console-setup.js';

const LOCALES = ['en', 'de', 'fr', 'es', 'nl'];

describe('admin console in Chromium (keyboard only, axe, five languages)', function () {
  this.timeout(240_000);
  let d: TestDomain;
  let smtp: SmtpCatcher;
  let w: ConsoleWorld;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    smtp = await startSmtpCatcher();
    const adminUiDir = freshDir('admin-ui');
    await buildAdminUi(adminUiDir);
    w = await consoleWorld(d, smtp, 'cu', { adminUiDir });
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await w?.close();
    await smtp?.close();
  });

  // The test CA is not in Chromium's store; the product itself has no certificate-error bypass.
  async function open(): Promise<Page> {
    const ctx = await newContext(browser, { ignoreHTTPSErrors: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${w.gw.url}/admin/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    return page;
  }
  const onPage = (page: Page, name: string) => page.locator(`#view[data-page="${name}"]`).waitFor({ timeout: 30_000 });
  async function tabTo(page: Page, target: string, max = 30): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await focused(page) === target) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached ${target} (at ${await focused(page)})`);
  }
  async function keyboardSignIn(page: Page, name: string, password: string): Promise<void> {
    await onPage(page, 'sign-in');
    assert.equal(await focused(page), 'username');
    await page.keyboard.type(name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
  }

  it('refuses an account in neither group on the sign-in page, with a translated message', async () => {
    const page = await open();
    await onPage(page, 'sign-in');
    await checkStep(page, 'admin-sign-in');
    await keyboardSignIn(page, w.users.plain.name, w.users.plain.password);
    await page.locator('#error p').waitFor();
    assert.equal(await page.locator('#error p').textContent(), 'Your account may not do this here.');
    assert.equal(await page.locator('#nav').isHidden(), true);
  });

  it('a help-desk agent verifies a caller by keyboard only; actions are disabled until the real code is read back', async () => {
    await w.admin.lockOut(w.users.caller.dn);
    const page = await open();
    await keyboardSignIn(page, w.users.agent.name, w.users.agent.password);
    await onPage(page, 'caller');
    assert.equal(await focused(page), 'caller-name');
    const nav = await page.locator('#nav a').evaluateAll((as) => as.map((a) => a.getAttribute('data-page')));
    assert.deepEqual(nav, ['caller'], 'the agent sees no admin page');
    await checkStep(page, 'admin-caller-empty');
    await page.keyboard.type(w.users.caller.name);
    await page.keyboard.press('Enter');
    await page.locator('#caller-detail').waitFor();
    assert.equal(await page.locator('#verdict').getAttribute('data-verified'), 'false');
    for (const b of ['#do-unlock', '#do-code', '#do-reset']) assert.equal(await page.locator(b).isDisabled(), true, b);
    await checkStep(page, 'admin-caller-detail');

    const before = smtp.messages().length;
    await tabTo(page, 'button');
    while (await page.evaluate(() => document.activeElement?.getAttribute('data-verify')) !== 'email') await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#caller-code').waitFor();
    assert.equal(await focused(page), 'caller-code');
    const { match } = await smtp.waitFor(w.users.caller.mail, /on a call with: (\d{6})/, 10_000, before);
    rememberSecret(match[1] as string);
    await page.keyboard.type(match[1] === '000000' ? '111111' : '000000');
    await page.keyboard.press('Enter');
    // The "not verified yet" verdict is on screen before the answer: wait for the answer's own text.
    await page.locator('#verdict[data-verified="false"]', { hasText: 'does not match' }).waitFor();
    await page.locator('#caller-code').waitFor();
    assert.equal(await page.locator('#do-unlock').isDisabled(), true, 'still disabled after a wrong code');
    await checkStep(page, 'admin-caller-wrong-code');

    await page.locator('#caller-code').focus();
    await page.keyboard.type(match[1] as string);
    await page.keyboard.press('Enter');
    await page.locator('#verdict[data-verified="true"]').waitFor();
    assert.match(await page.locator('#verdict').textContent() ?? '', /Verified: the caller is Cleo Caller/);
    await checkStep(page, 'admin-caller-verified');
    await tabTo(page, 'do-unlock');
    await page.keyboard.press('Enter');
    await page.locator('#action-result').waitFor();
    assert.equal(await focused(page), 'action-result');
    assert.equal(await page.locator('#action-result').textContent(), 'The account is unlocked.');
    assert.equal((await d.dc.kinit(w.users.caller.name, w.users.caller.password)).ok, true, 'really unlocked');
    await tabTo(page, 'do-code');
    await page.keyboard.press('Enter');
    await page.locator('#helpdesk-code').waitFor();
    rememberSecret(((await page.locator('#helpdesk-code').textContent()) ?? '').replace(/\s/g, ''));
    await checkStep(page, 'admin-caller-code');

    // Typing a route by hand does not open an admin page either.
    await page.goto(`${w.gw.url}/admin/#/devices`);
    await page.locator('body[data-ready="true"]').waitFor();
    await onPage(page, 'caller');
  });

  it('works in high contrast (forced colors) and at 200 % zoom without horizontal scrolling on the help-desk page', async () => {
    // 200 % zoom of a 1280×800 screen = a 640×400 CSS-pixel viewport at device scale 2.
    const ctx = await newContext(browser, { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2, ignoreHTTPSErrors: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(`${w.gw.url}/admin/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const noHScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    await onPage(page, 'sign-in');
    assert.ok(await noHScroll(), 'sign-in: no horizontal scrolling at 200 %');
    await checkStep(page, 'admin-zoom200-hc-sign-in');
    await keyboardSignIn(page, w.users.agent.name, w.users.agent.password);
    await onPage(page, 'caller');
    await page.keyboard.type(w.users.caller2.name);
    await page.keyboard.press('Enter');
    await page.locator('#caller-detail').waitFor();
    assert.ok(await noHScroll(), 'caller: no horizontal scrolling at 200 %');
    await checkStep(page, 'admin-zoom200-hc-caller');
  });

  it('an admin reaches every page by keyboard, each axe-clean in all five languages', async () => {
    const page = await open();
    await keyboardSignIn(page, w.users.kadmin.name, w.users.kadmin.password);
    await onPage(page, 'caller');
    const nav = await page.locator('#nav a').evaluateAll((as) => as.map((a) => a.getAttribute('data-page')));
    assert.deepEqual(nav, ['caller', 'users', 'targeting', 'adoption', 'devices', 'audit', 'status', 'settings']);
    for (const name of ['targeting', 'users', 'adoption', 'devices', 'audit', 'status', 'settings']) {
      await page.locator(`#nav a[data-page="${name}"]`).focus();
      await page.keyboard.press('Enter');
      await onPage(page, name);
      assert.equal(await page.locator(`#nav a[data-page="${name}"]`).getAttribute('aria-current'), 'page');
      if (name === 'targeting') {
        // Find the admin group by keyboard, add it, synchronise now and wait for the result.
        await tabTo(page, 'group-q-default');
        await page.keyboard.type('cu Keyhatch Admins');
        await page.keyboard.press('Enter');
        await page.locator('#group-hits-default button[data-add-group]').first().waitFor();
        await page.locator('#group-hits-default button[data-add-group]').first().focus();
        await page.keyboard.press('Enter');
        await page.locator('#targets-default li').first().waitFor();
        assert.match(await page.locator('#targets-default').textContent() ?? '', /cu Keyhatch Admins/);
        await tabTo(page, 'sync-default', 40);
        await page.keyboard.press('Enter');
        await page.locator('#sync-result').waitFor({ timeout: 120_000 });
        assert.match(await page.locator('#sync-result').textContent() ?? '', /^Synchronised/);
        assert.equal(await page.locator('#connector-default').getAttribute('data-state'), 'Connected');
      }
      if (name === 'users') {
        assert.ok(await page.locator('#users tbody tr').count() > 0, 'users listed');
        await page.locator('#u-status').selectOption('DISCOVERED');
        await page.locator('#users-show').click();
        await page.locator('#users').waitFor();
        const states = await page.locator('#users tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
        assert.ok(states.length > 0 && states.every((x) => x === 'DISCOVERED'), states.join());
      }
      if (name === 'adoption') {
        assert.equal(await page.locator('svg#adoption-chart').count(), 1, 'a chart, not a table');
        assert.ok(await page.locator('svg#adoption-chart rect[data-status]').count() > 0, 'bars drawn');
        assert.equal(await page.locator('#adoption table').count(), 0);
      }
      if (name === 'status') {
        await tabTo(page, 'verify-connection');
        await page.keyboard.press('Enter');
        await page.locator('#checks').waitFor({ timeout: 60_000 });
        assert.ok(await page.locator('#checks tr[data-ok="true"]').count() > 0);
      }
      if (name === 'audit') {
        assert.ok(await page.locator('#audit tbody tr').count() > 0, 'events listed');
        await page.locator('#f-action').fill('console.sign-in');
        await page.locator('#f-action').press('Enter');
        // The unfiltered table is on screen until the answer comes: wait for the filtered one.
        await page.waitForFunction(() => { const c = [...document.querySelectorAll('#audit tbody tr td:nth-child(2)')].map((td) => td.textContent); return c.length > 0 && c.every((a) => a === 'console.sign-in'); }, undefined, { timeout: 30_000 });
        const actions = await page.locator('#audit tbody tr td:nth-child(2)').allTextContents();
        assert.ok(actions.length > 0 && actions.every((a) => a === 'console.sign-in'), actions.join());
        assert.match(await page.locator('#audit-csv').getAttribute('href') ?? '', /audit\.csv\?.*action=console.sign-in/);
      }
      for (const lang of LOCALES) {
        await page.selectOption('#lang', lang);
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
        await onPage(page, name);
        const text = await page.locator('body').innerText();
        assert.ok(!/\badmin\.[a-z]+\.[A-Za-z.]+/.test(text), `${lang} ${name}: an untranslated key shows: ${/\badmin\.[a-z]+\.[A-Za-z.]+/.exec(text)?.[0]}`);
        await checkStep(page, `admin-${name}-${lang}`);
      }
      await page.selectOption('#lang', 'en');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    // The caller page and sign-in in every language too.
    await page.locator('#nav a[data-page="caller"]').click();
    await onPage(page, 'caller');
    for (const lang of LOCALES) {
      await page.selectOption('#lang', lang);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      await checkStep(page, `admin-caller-${lang}`);
    }
    await page.locator('#sign-out').click();
    await onPage(page, 'sign-in');
    for (const lang of LOCALES) {
      await page.selectOption('#lang', lang);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      await checkStep(page, `admin-sign-in-${lang}`);
    }
  });
});
