// Admin console entry point: language, sign-in, navigation between the pages the signed-in role
// may see (hash routes), one alert region, focus moved to each page's heading. The session lives
// in an HttpOnly cookie; the page only holds the CSRF token the server handed out.
import { ApiError } from '../../kiosk-ui/src/shared/api.js';
import type { Translator } from '../../kiosk-ui/src/shared/i18n.js';
import { Alerts, byId, chooseLocale, errorText, field, focusStep, h, languagePicker, setBusy, translatorFor } from '../../kiosk-ui/src/shared/ui.dom.js';
import { AdminApi, type SessionView } from './admin-api.js';
import type { ConsolePage, PageContext } from './page.js';
import { AuditPage } from './pages/audit.dom.js';
import { CallerPage } from './pages/caller.dom.js';
import { DevicesPage } from './pages/devices.dom.js';
import { SettingsPage } from './pages/settings.dom.js';
import { StatusPage } from './pages/status.dom.js';
import { AdoptionPage } from './pages/adoption.dom.js';
import { TargetingPage } from './pages/targeting.dom.js';
import { UsersPage } from './pages/users.dom.js';

const api = new AdminApi();
const alerts = new Alerts(byId('error'), byId('announce'));
const view = byId('view');
let t: Translator;
let session: SessionView | undefined;
let pages: Record<string, ConsolePage> = {};

/** The pages, in navigation order; users, targeting and adoption need discovery and sync on the gateway. */
function freshPages(population = false): Record<string, ConsolePage> {
  return {
    caller: new CallerPage(),
    ...(population ? { users: new UsersPage(), targeting: new TargetingPage(), adoption: new AdoptionPage() } : {}),
    devices: new DevicesPage(), audit: new AuditPage(), status: new StatusPage(), settings: new SettingsPage(),
  };
}

async function pagesFor(s: SessionView): Promise<Record<string, ConsolePage>> {
  return freshPages(s.user?.role === 'admin' && (await api.features().catch(() => ({ population: false }))).population);
}

function currentRoute(): string {
  const role = session?.user?.role;
  const name = location.hash.replace(/^#\/?/, '');
  const page = pages[name];
  return page && role && page.roles.includes(role) ? name : 'caller';
}

async function busy(scope: HTMLElement, fn: () => Promise<void>, refocus?: HTMLElement): Promise<boolean> {
  alerts.clear();
  setBusy(scope, true);
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHORIZED' && session?.signedIn) {
      session = undefined;
      await showSignIn(t.t('admin.signIn.ended'));
      return false;
    }
    alerts.error(errorText(t, err));
    if (refocus?.isConnected) refocus.focus();
    return false;
  } finally {
    if (scope.isConnected) setBusy(scope, false);
  }
}

function chrome(): void {
  document.documentElement.lang = t.locale;
  byId('lang-label').textContent = t.t('common.language');
  byId('brand').textContent = t.t('admin.brand');
  byId('skip').textContent = t.t('admin.skip');
  const signOut = byId<HTMLButtonElement>('sign-out');
  signOut.textContent = t.t('portal.signOut');
  const u = session?.user;
  signOut.hidden = !u;
  byId('user').textContent = u ? t.t('admin.signedInAs', { name: u.displayName, role: t.t(`admin.role.${u.role}`) }) : '';
  const nav = byId('nav');
  nav.setAttribute('aria-label', t.t('admin.nav.label'));
  nav.hidden = !u;
  if (u) {
    const here = currentRoute();
    nav.replaceChildren(h('ul', {}, ...Object.entries(pages).filter(([, p]) => p.roles.includes(u.role)).map(([name, p]) =>
      h('li', {}, h('a', { href: `#/${name}`, 'data-page': name, 'aria-current': name === here ? 'page' : undefined }, t.t(p.titleKey))))));
  } else nav.replaceChildren();
}

async function render(moveFocus: boolean): Promise<void> {
  chrome();
  if (!session?.user) return;
  const name = currentRoute();
  const ctx: PageContext = { api, t, alerts, role: session.user.role, rerender: (moveFocus = true) => render(moveFocus), busy };
  let content: HTMLElement;
  try {
    content = await (pages[name] as ConsolePage).render(ctx);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHORIZED') { session = undefined; await showSignIn(t.t('admin.signIn.ended')); return; }
    content = h('section', { class: 'step' }, h('h1', { id: 'step-heading' }, t.t((pages[name] as ConsolePage).titleKey)));
    alerts.error(errorText(t, err));
  }
  view.replaceChildren(content);
  view.dataset.page = name;
  document.title = `${content.querySelector('h1')?.textContent ?? ''} – ${t.t('admin.brand')}`;
  if (moveFocus) focusStep(view);
}

async function showSignIn(notice?: string): Promise<void> {
  chrome();
  const user = field({ id: 'username', label: t.t('portal.login.username'), autocomplete: 'username', autofocus: true, maxlength: 256 });
  const pw = field({ id: 'password', label: t.t('portal.login.password'), type: 'password', autocomplete: 'current-password' });
  const form = h('form', { novalidate: true }, user.wrap, pw.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, t.t('portal.login.submit'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const missing = [user.input, pw.input].find((i) => i.value === '');
    if (missing) { missing.setAttribute('aria-invalid', 'true'); alerts.error(t.t('error.required')); missing.focus(); return; }
    void busy(form, async () => {
      try {
        session = await api.signIn(user.input.value.trim(), pw.input.value);
      } finally { pw.input.value = ''; }
      pages = await pagesFor(session);
      await render(true);
    }, pw.input);
  });
  view.replaceChildren(h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
    h('h1', { id: 'step-heading' }, t.t('admin.signIn.heading')), h('p', { class: 'intro' }, t.t('admin.signIn.intro')),
    notice ? h('p', { class: 'notice', id: 'notice' }, notice) : null, form));
  view.dataset.page = 'sign-in';
  document.title = `${t.t('admin.signIn.heading')} – ${t.t('admin.brand')}`;
  focusStep(view);
  // A fresh token for the next sign-in (double submit).
  if (!session) await api.session().catch(() => undefined);
}

/**
 * Single sign-on first, once per page load (never right after signing out): the browser answers the
 * Negotiate challenge by itself when it may. A browser that offers no ticket falls back to the password
 * form silently; a refusal (not in a console group, a ticket the gateway refused) is said above it.
 */
async function trySingleSignOn(): Promise<void> {
  view.replaceChildren(h('section', { class: 'step', 'aria-labelledby': 'step-heading' }, h('h1', { id: 'step-heading' }, t.t('admin.signIn.heading')), h('p', { class: 'intro', role: 'status' }, t.t('admin.signIn.sso'))));
  view.dataset.page = 'sso';
  // Twice: Chromium on Linux loads its GSSAPI library on the first Negotiate challenge it sees and
  // answers only the next one.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      session = await api.negotiate();
      pages = await pagesFor(session);
      return;
    } catch (err) {
      session = undefined;
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') continue;
      if (!(err instanceof ApiError && err.code === 'NOT_FOUND')) alerts.error(errorText(t, err));
      return;
    }
  }
}

async function boot(): Promise<void> {
  const config = await api.uiConfig().catch(() => ({ defaultLocale: 'en', locales: ['en'] }));
  const locale = chooseLocale(null, config.locales, config.defaultLocale);
  t = await translatorFor(locale);
  session = await api.session();
  pages = await pagesFor(session);
  languagePicker(byId<HTMLSelectElement>('lang'), config.locales, locale, (next) => {
    void translatorFor(next).then(async (nt) => {
      t = nt;
      if (session?.user) await render(false); else await showSignIn();
    });
  });
  byId('sign-out').addEventListener('click', () => {
    void api.signOut().catch(() => undefined).then(async () => {
      session = undefined;
      pages = freshPages();
      await showSignIn(t.t('admin.signIn.signedOut'));
    });
  });
  window.addEventListener('hashchange', () => { if (session?.user) void render(true); });
  if (!session.signedIn && session.negotiate) await trySingleSignOn();
  if (session?.signedIn) await render(true); else await showSignIn();
  document.body.dataset.ready = 'true';
}

boot().catch((err: unknown) => {
  alerts.error('Keyhatch could not start. Try again later.');
  console.error(err);
});
