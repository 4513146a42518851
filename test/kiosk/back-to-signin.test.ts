// "Back to sign-in" on every kiosk step, in headless Chromium against the real daemon (memory
// directory: these steps need no domain). The Electron preload's bridge is stood in by an init
// script with the same shape (window.keyhatch = { locale, exit(), activity() }); the control must
// be visible outside the step view (so every step has it), named in the page's language, cancel
// the recovery and call exit().
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildKioskUi } from '../../kiosk-ui/build.js';
import { validateConfig } from '../../daemon/src/config/load.js';
import { startStandalone } from '../../daemon/src/roles/standalone.js';
import { MemoryAudit } from '../../daemon/src/log/audit.js';
import { silentLogger } from '../../daemon/src/log/logger.js';
import { MemoryDirectory } from '../../bench/support/memory-directory.js';
import { launchChromium } from '../e2e/support/browser.js';

describe('kiosk "Back to sign-in" (Chromium, bridge stand-in)', function () {
  this.timeout(120_000);
  let server: Awaited<ReturnType<typeof startStandalone>>;
  let browser: Browser;
  before(async () => {
    const uiDir = mkdtempSync(join(tmpdir(), 'keyhatch-back-ui-'));
    await buildKioskUi(uiDir);
    const config = validateConfig({ dataDir: mkdtempSync(join(tmpdir(), 'keyhatch-back-')), listen: '127.0.0.1:0', log: { level: 'warn' } });
    const core = { config, log: silentLogger, audit: new MemoryAudit(), directory: new MemoryDirectory(3), close: async () => undefined };
    server = await startStandalone(config, { uiDir, core });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = async (bridge: boolean, locale: string | null = null) => {
    const ctx = await browser.newContext();
    if (bridge) {
      // Like contextBridge.exposeInMainWorld: a non-writable, frozen property.
      await ctx.addInitScript({ content: `window.__exits = 0; Object.defineProperty(window, 'keyhatch', { value: Object.freeze({ locale: ${JSON.stringify(locale)}, exit() { window.__exits++; }, activity() {} }) });` });
    }
    const page = await ctx.newPage();
    await page.goto(`${server.url}/kiosk/#k=${server.kioskSecret}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    return { ctx, page };
  };

  it('is shown in the header, outside every step, and ends the kiosk from the first and a later step', async () => {
    const { ctx, page } = await open(true);
    const back = page.locator('header #back-to-signin');
    assert.equal(await back.isVisible(), true);
    assert.equal((await back.textContent())?.trim(), 'Back to sign-in');
    assert.equal(await page.locator('#view #back-to-signin').count(), 0, 'not part of one step: shared by all');
    await back.click();
    assert.equal(await page.evaluate(() => (window as unknown as { __exits: number }).__exits), 1);
    // A later step: the method list after entering a user name.
    await page.fill('#username', 'u1');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('view')?.dataset.step !== 'who');
    assert.equal(await back.isVisible(), true);
    await back.click();
    assert.equal(await page.evaluate(() => (window as unknown as { __exits: number }).__exits), 2);
    assert.equal(await page.evaluate(() => document.getElementById('view')?.dataset.step), 'who', 'the recovery was abandoned');
    await ctx.close();
  });

  it('speaks the kiosk language, and stays hidden in a plain browser (no shell to leave)', async () => {
    const de = await open(true, 'de-DE');
    assert.equal((await de.page.locator('#back-to-signin').textContent())?.trim(), 'Zurück zur Anmeldung');
    await de.ctx.close();
    const plain = await open(false);
    assert.equal(await plain.page.locator('#back-to-signin').isVisible(), false);
    await plain.ctx.close();
  });
});
