// Headless Debian Chromium driven by playwright-core, with the checks every page step gets:
// axe-core (0 violations), no CSP violation, and a screenshot saved as a test artefact.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { freshDir, runDir } from '../../support/run-dir.js';

export const CHROMIUM = process.env.KEYHATCH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium with a fresh profile; a missing browser fails (never skips) and says how to fix it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run "bash scripts/install-system-deps.sh browser" (installs Debian's chromium; needs root)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A context whose pages record CSP violations (the listener is injected by CDP, outside the CSP). */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1024, height: 768 }, ...options });
  await ctx.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => { w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`); });
  });
  return ctx;
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }

/** Runs axe-core (WCAG 2.0/2.1 A+AA and best practices) on the page as it is now. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await a.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

let shotDir: string | undefined;
export function screenshotDir(): string {
  shotDir ??= (() => { const d = join(runDir(), 'screenshots'); mkdirSync(d, { recursive: true }); return d; })();
  return shotDir;
}

/**
 * The per-step check: the step is on screen, axe reports nothing, no CSP violation happened,
 * and a full-page screenshot is saved under <run dir>/screenshots/<name>.png.
 */
export async function checkStep(page: Page, name: string, step?: string): Promise<void> {
  if (step) await page.locator(`#view[data-step="${step}"]`).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: true });
  const violations = await axe(page);
  assert.deepEqual(violations.map((v) => `${v.id} (${v.impact}): ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${name}`);
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  assert.deepEqual(csp, [], `CSP violations on ${name}`);
}

/** The id (or tag) of the focused element, to prove focus moved where a keyboard user expects. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? (el.id || `${el.tagName.toLowerCase()}${el.getAttribute('data-factor') ? `[factor=${el.getAttribute('data-factor')}]` : ''}${el.getAttribute('data-action') ? `[action=${el.getAttribute('data-action')}]` : ''}${el.getAttribute('data-add') ? `[add=${el.getAttribute('data-add')}]` : ''}`) : '';
  });
}

/** A virtual CTAP2 security key in this page's browser (Chromium's WebAuthn testing API over CDP). */
export async function addVirtualAuthenticator(page: Page): Promise<{ authenticatorId: string; credentials(): Promise<unknown[]> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

export { freshDir };
