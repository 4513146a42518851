// The page behind a help-desk security-key link: the user, on a call with an agent, proves it is
// them with their own security key. The link's token arrives in the URL fragment (never sent to a
// server or a proxy log), is taken out of the address bar at once and kept in memory only.
// Steps (#view data-step): ready → done, or invalid (the link cannot be used: nothing more to do).
import { startAuthentication } from '@simplewebauthn/browser';
import { Api, ApiError } from '../shared/api.js';
import type { Translator } from '../shared/i18n.js';
import { Alerts, byId, chooseLocale, errorText, focusStep, h, languagePicker, setBusy, translatorFor } from '../shared/ui.dom.js';

type Step = 'ready' | 'done' | 'invalid';

const api = new Api();
const alerts = new Alerts(byId('error'), byId('announce'));
const view = byId('view');
const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('t') ?? '';
if (location.hash) history.replaceState(null, '', location.pathname + location.search);
// A newer link pasted into this tab changes only the fragment (no load): start over with its token.
window.addEventListener('hashchange', () => { if (/^#(.*&)?t=/.test(location.hash)) location.reload(); });

let t: Translator;
let step: Step = token ? 'ready' : 'invalid';
/** Why the link cannot be used (message key), when step is 'invalid'. */
let invalidKey = token ? 'error.CALLER_LINK_INVALID' : 'callerCheck.noLink';

function render(moveFocus: boolean): void {
  document.documentElement.lang = t.locale;
  byId('lang-label').textContent = t.t('common.language');
  byId('brand').textContent = t.t('callerCheck.brand');
  const heading = h('h1', { id: 'step-heading' }, t.t('callerCheck.heading'));
  let body: Array<Node | null>;
  if (step === 'done') {
    body = [h('p', { class: 'notice', id: 'done', tabindex: '-1', 'data-autofocus': true }, t.t('callerCheck.done'))];
  } else if (step === 'invalid') {
    body = [h('p', { class: 'notice', id: 'invalid', tabindex: '-1', 'data-autofocus': true }, t.t(invalidKey))];
  } else {
    const button = h('button', { type: 'button', class: 'primary', id: 'use-key', 'data-autofocus': true }, t.t('callerCheck.button'));
    const panel = h('div', { class: 'panel' }, h('p', {}, t.t('callerCheck.instructions')), h('div', { class: 'actions' }, button));
    button.addEventListener('click', () => void useKey(panel, button));
    body = [h('p', { class: 'intro' }, t.t('callerCheck.intro')), panel];
  }
  view.replaceChildren(h('section', { class: 'step', 'aria-labelledby': 'step-heading' }, heading, ...body));
  view.dataset.step = step;
  document.title = `${t.t('callerCheck.heading')} – Keyhatch`;
  if (moveFocus) focusStep(view);
}

function show(next: Step, key?: string): void {
  step = next;
  if (key) invalidKey = key;
  alerts.clear();
  render(true);
}

/** Fresh options (a new challenge) each try; a browser-side refusal leaves the link usable. */
async function useKey(panel: HTMLElement, button: HTMLButtonElement): Promise<void> {
  alerts.clear();
  setBusy(panel, true);
  try {
    const { publicKey } = await api.callerCheckOptions(token);
    let response: unknown;
    try {
      response = await startAuthentication({ optionsJSON: publicKey as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
    } catch {
      throw new ApiError(0, 'WEBAUTHN_CANCELLED', '');
    }
    await api.callerCheckVerify(token, response);
    show('done');
    alerts.say(t.t('callerCheck.done'));
  } catch (err) {
    const code = err instanceof ApiError ? err.code : '';
    // The server judged the key (one try per link) or the link is gone: nothing left to try here.
    if (code === 'VERIFICATION_FAILED') return show('invalid', 'callerCheck.rejected');
    if (code === 'CALLER_LINK_INVALID') return show('invalid', 'error.CALLER_LINK_INVALID');
    alerts.error(code === 'WEBAUTHN_CANCELLED' ? t.t('callerCheck.failed') : errorText(t, err));
    if (button.isConnected) button.focus();
  } finally {
    if (panel.isConnected) setBusy(panel, false);
  }
}

async function boot(): Promise<void> {
  const config = await api.uiConfig().catch(() => ({ defaultLocale: 'en', locales: ['en'], sessionSeconds: 600 }));
  const locale = chooseLocale(null, config.locales, config.defaultLocale);
  t = await translatorFor(locale);
  languagePicker(byId<HTMLSelectElement>('lang'), config.locales, locale, (next) => {
    void translatorFor(next).then((nt) => { t = nt; render(false); });
  });
  // Ask once on arrival, so a link that cannot be used says so before the user reaches for the key
  // (and the agent's console can show that the link was opened).
  if (step === 'ready') {
    await api.callerCheckOptions(token).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'CALLER_LINK_INVALID') step = 'invalid';
      else alerts.error(errorText(t, err));
    });
  }
  render(true);
  document.body.dataset.ready = 'true';
}

boot().catch((err: unknown) => {
  alerts.error('Keyhatch could not start. Try again later.');
  console.error(err);
});
