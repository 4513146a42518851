// End to end in headless Chromium against the real daemon, the Samba AD DC and a real SMTP
// server: enroll in the portal (e-mail code, TOTP from the QR page, a WebAuthn key on Chromium's
// virtual authenticator, questions), get locked out by bad binds, unlock at the kiosk with the
// security key, then reset with the rules shown live, a history rejection, and prove it with kinit.
// Every step: axe-core 0 violations, no CSP violation, a screenshot under <run dir>/screenshots.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DOMAIN_SETUP_TIMEOUT_MS, testDomain, type TestDomain } from '../support/global-domain.js';
import { DomainAdmin } from '../support/domain-admin.js';
import { rememberSecret } from '../support/run-dir.js';
import { addVirtualAuthenticator, checkStep, launchChromium, newContext } from './support/browser.js';
import { startUiDaemon, type UiDaemon } from './support/daemon-ui.js';

describe('kiosk and portal in Chromium: enroll, lock out, unlock, reset (Samba AD DC + SMTP)', function () {
  this.timeout(180_000);
  let d: TestDomain;
  let admin: DomainAdmin;
  let k: UiDaemon;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const offset = 0;
  const now = () => Date.now() + offset;
  const user = { name: 'kiosk1', password: 'Kiosk-Start-2026!', display: 'Petra Keyes', mail: 'kiosk1@mail.keyhatch.test' };
  const newPassword = 'Maple-Winter-2026!';
  let dn = '';

  before(async function () {
    this.timeout(DOMAIN_SETUP_TIMEOUT_MS);
    d = await testDomain();
    admin = await DomainAdmin.connect(d.dc);
    rememberSecret(user.password, newPassword);
    dn = await admin.addUser({ name: user.name, password: user.password, displayName: user.display, mail: user.mail }, d.seed.peopleOu);
    k = await startUiDaemon(d, now);
    browser = await launchChromium();
    ctx = await newContext(browser);
    page = await ctx.newPage();
  });
  after(async () => {
    await browser?.close();
    await k?.close();
    await admin?.close();
  });

  const step = (s: string) => page.locator(`#view[data-step="${s}"]`).waitFor({ timeout: 60_000 });
  const alertText = async () => (await page.locator('#error').textContent()) ?? '';
  const mailCode = async (after: number) => {
    const { match } = await k.smtp.waitFor(user.mail, /code is (\d{6})/, 15_000, after);
    rememberSecret(match[1] as string);
    return match[1] as string;
  };
  const methods = () => page.locator('#methods li').evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-type')}:${li.getAttribute('data-confirmed')}`));

  it('portal: signs in with the directory password and enrolls e-mail, TOTP, a security key and questions; removes one', async () => {
    await page.goto(`${k.origin}/portal/`);
    await checkStep(page, 'portal-01-sign-in', 'login');

    rememberSecret('Wrong-Guess-1!');
    await page.fill('#username', user.name);
    await page.fill('#password', 'Wrong-Guess-1!');
    await page.click('button[type=submit]');
    await page.locator('#error', { hasText: 'The user name or password is incorrect.' }).waitFor();
    assert.equal(await page.inputValue('#password'), '', 'a refused password is cleared');
    await checkStep(page, 'portal-02-sign-in-refused');

    await page.fill('#password', user.password);
    await page.click('button[type=submit]');
    await checkStep(page, 'portal-03-no-methods', 'methods');
    assert.match(await page.locator('#user').textContent() ?? '', /Petra Keyes/);
    await page.locator('#no-methods').waitFor();

    // E-mail: the code arrives at the real SMTP server.
    const mails = k.smtp.messages().length;
    await page.click('[data-add=email]');
    await checkStep(page, 'portal-04-add-email', 'add-email');
    await page.fill('#address', user.mail);
    await page.click('#add-panel button[type=submit]');
    await page.locator('#code').waitFor();
    await checkStep(page, 'portal-05-email-code');
    await page.fill('#code', await mailCode(mails));
    await page.click('#add-panel button[type=submit]');
    await page.locator('#notice').waitFor();
    assert.deepEqual(await methods(), ['email:true']);

    // Authenticator app: the QR page, the key shown for typing, a code from it.
    await page.click('[data-add=totp]');
    await page.locator('#qr').waitFor();
    await checkStep(page, 'portal-06-add-totp', 'add-totp');
    assert.ok(await page.locator('#qr').evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the QR image renders under the CSP');
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    rememberSecret(secret);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await page.fill('#code', totp.generate({ timestamp: now() }));
    await page.click('#add-panel button[type=submit]');
    await page.locator('#notice').waitFor();
    assert.deepEqual(await methods(), ['email:true', 'totp:true']);

    // Security key: Chromium's virtual authenticator answers navigator.credentials.create().
    const key = await addVirtualAuthenticator(page);
    await page.click('[data-add=webauthn]');
    await checkStep(page, 'portal-07-add-security-key', 'add-webauthn');
    await page.click('#add-panel button.primary');
    await page.locator('#notice').waitFor();
    assert.equal((await key.credentials()).length, 1);
    assert.deepEqual(await methods(), ['email:true', 'totp:true', 'webauthn:true']);

    // Questions: three different questions and answers.
    await page.click('[data-add=questions]');
    await page.locator('#question-0').waitFor();
    await checkStep(page, 'portal-08-add-questions', 'add-questions');
    for (let i = 0; i < 3; i++) {
      await page.selectOption(`#question-${i}`, { index: i + 1 });
      const answer = `Answer number ${i + 1} here`;
      rememberSecret(answer);
      await page.fill(`#answer-${i}`, answer);
    }
    await page.click('#add-panel button[type=submit]');
    await page.locator('#notice').waitFor();
    await checkStep(page, 'portal-09-four-methods', 'methods');
    assert.deepEqual(await methods(), ['email:true', 'totp:true', 'webauthn:true', 'questions:true']);

    await page.click('#methods li[data-type=questions] button');
    await page.locator('#notice', { hasText: 'The method was removed.' }).waitFor();
    assert.deepEqual(await methods(), ['email:true', 'totp:true', 'webauthn:true']);
    await checkStep(page, 'portal-10-removed');
    await page.click('text=Sign out');
    await step('login');
  });

  it('kiosk: a user locked out by bad binds proves it with the security key and unlocks; the old password works again (kinit)', async () => {
    await admin.lockOut(dn);
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, false, 'locked out');

    await page.goto(`${k.origin}/kiosk/#k=${k.kioskSecret}`);
    await checkStep(page, 'kiosk-01-who', 'who');
    assert.equal(new URL(page.url()).hash, '', 'the kiosk secret is removed from the address at once');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username', 'focus starts in the user name field');

    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await checkStep(page, 'kiosk-02-methods', 'method');
    const offered = await page.locator('[data-factor]').evaluateAll((b) => b.map((x) => x.getAttribute('data-factor')));
    assert.deepEqual([...offered].sort(), ['email', 'helpdesk', 'questions', 'totp', 'webauthn'], 'the policy menu, not what the user enrolled');
    assert.doesNotMatch(await page.locator('[data-factor=email]').textContent() ?? '', /@|•/, 'no hint: the menu is the same for every name');
    assert.match(await page.locator('#timer').textContent() ?? '', /\d+:\d\d/, 'the countdown is visible');

    await page.click('[data-factor=webauthn]');
    await checkStep(page, 'kiosk-03-security-key', 'verify');
    await page.click('#view button[type=submit]');
    await checkStep(page, 'kiosk-04-choose-action', 'action');
    assert.match(await page.locator('#view').textContent() ?? '', /is locked/);
    assert.deepEqual(await page.locator('[data-action]').evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))), ['unlock', 'reset']);

    await page.click('[data-action=unlock]');
    await checkStep(page, 'kiosk-05-unlocked', 'done');
    assert.equal(await page.locator('h1').textContent(), 'Your account is unlocked');
    const kin = await d.dc.kinit(user.name, user.password);
    assert.equal(kin.ok, true, kin.message);
  });

  it('kiosk: resets with the e-mailed code; the rules are checked live as they type, history is enforced, the new password works (kinit)', async () => {
    await page.click('text=Return to the sign-in screen');
    await step('who');
    await page.fill('#username', user.name);
    await page.press('#username', 'Enter');
    await step('method');
    const mails = k.smtp.messages().length;
    await page.click('[data-factor=email]');
    await step('contact');
    await page.fill('#contact', user.mail);
    await page.press('#contact', 'Enter');
    await step('verify');
    const code = await mailCode(mails);

    await page.fill('#code', code === '000000' ? '111111' : '000000');
    await page.press('#code', 'Enter');
    await page.locator('#error', { hasText: 'That did not match.' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'code', 'focus back in the code field');
    assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
    await checkStep(page, 'kiosk-06-wrong-code');

    await page.fill('#code', code);
    await page.press('#code', 'Enter');
    await checkStep(page, 'kiosk-07-choose-action', 'action');
    assert.match(await page.locator('#view').textContent() ?? '', /is not locked/);
    assert.deepEqual(await page.locator('[data-action]').evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))), ['reset'], 'unlock is only offered to a locked account');
    await page.click('[data-action=reset]');
    await checkStep(page, 'kiosk-08-new-password', 'password');

    const rule = (id: string) => page.getAttribute(`#rule-${id}`, 'data-ok');
    await page.locator('#new-password').pressSequentially('keyes');
    assert.deepEqual([await rule('length'), await rule('complexity'), await rule('displayName'), await rule('match')], ['false', 'false', 'false', 'false']);
    assert.equal(await page.locator('#strength-text').textContent(), 'very weak');
    await checkStep(page, 'kiosk-09-rules-live');

    await page.fill('#new-password', 'Keyes-Winter-2026!');
    assert.deepEqual([await rule('length'), await rule('complexity'), await rule('displayName')], ['true', 'true', 'false'], 'a part of the display name is flagged live');
    await page.fill('#new-password', 'kiosk1-Winter-2026!');
    assert.equal(await rule('username'), 'false', 'the user name is flagged live');
    // Submitting while a rule fails is stopped in the page, with the reasons in the alert.
    await page.press('#new-password', 'Enter');
    await page.locator('#error', { hasText: 'does not meet every rule' }).waitFor();
    await checkStep(page, 'kiosk-10-rules-refused');

    // A password the directory has in its history passes the live rules but is refused by the DC.
    await page.fill('#new-password', user.password);
    await page.fill('#confirm-password', user.password);
    assert.equal(await page.locator('#rules li.bad').count(), 0);
    await page.click('#view button[type=submit]');
    await page.locator('#error', { hasText: 'You have used this password before.' }).waitFor();
    await checkStep(page, 'kiosk-11-history-refused', 'password');

    await page.fill('#new-password', newPassword);
    await page.fill('#confirm-password', newPassword);
    assert.equal(await page.locator('#rules li.bad').count(), 0);
    await page.click('#view button[type=submit]');
    await checkStep(page, 'kiosk-12-reset-done', 'done');
    assert.equal(await page.locator('h1').textContent(), 'Your password has been changed');
    assert.match(await page.locator('.instructions').textContent() ?? '', /new password/);

    const kNew = await d.dc.kinit(user.name, newPassword);
    assert.equal(kNew.ok, true, kNew.message);
    assert.equal((await d.dc.kinit(user.name, user.password)).ok, false, 'the old password no longer works');
  });

  it('kiosk: an unknown user sees the same kind of choices (nothing reveals whether an account exists)', async () => {
    await page.click('text=Return to the sign-in screen');
    await step('who');
    await page.fill('#username', 'nobody-by-that-name');
    await page.press('#username', 'Enter');
    await checkStep(page, 'kiosk-13-unknown-user', 'method');
    assert.ok(await page.locator('[data-factor]').count() >= 1);
    assert.equal(await alertText(), '');
  });
});
