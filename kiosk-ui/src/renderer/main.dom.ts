// Kiosk entry point: reads the kiosk secret (Electron: main adds it to API calls; browser/demo:
// the URL fragment #k=…, removed at once), loads the UI config and messages, starts the wizard.
import { Api } from '../shared/api.js';
import { secretFromFragment } from '../shared/flow.js';
import { Alerts, byId, chooseLocale, languagePicker, translatorFor } from '../shared/ui.dom.js';
import type { KeyhatchBridge } from '../electron/bridge.js';
import { Wizard } from './wizard.dom.js';

const bridge = (window as unknown as { keyhatch?: KeyhatchBridge }).keyhatch;
const secret = secretFromFragment(location.hash);
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

const api = new Api({ headers: (): Record<string, string> => (secret ? { 'X-Keyhatch-Kiosk': secret } : {}) });
const alerts = new Alerts(byId('error'), byId('announce'));

async function boot(): Promise<void> {
  const config = await api.uiConfig().catch(() => ({ defaultLocale: 'en', locales: ['en'], sessionSeconds: 600 }));
  const locale = chooseLocale(bridge?.locale, config.locales, config.defaultLocale);
  const t = await translatorFor(locale);
  applyChrome(t.locale, (k) => t.t(k));
  const wizard = new Wizard({ api, t, view: byId('view'), timer: byId('timer'), alerts, exit: bridge ? () => bridge.exit() : undefined });
  languagePicker(byId<HTMLSelectElement>('lang'), config.locales, locale, (next) => {
    void translatorFor(next).then((nt) => {
      wizard.translator = nt;
      applyChrome(nt.locale, (k) => nt.t(k));
      wizard.rerender();
    });
  });
  if (bridge) {
    for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, () => bridge.activity(), { passive: true });
    // "Back to sign-in" on every step: cancels the recovery and ends the kiosk.
    const back = byId<HTMLButtonElement>('back-to-signin');
    back.hidden = false;
    back.addEventListener('click', () => wizard.leave());
  }
  wizard.show('who');
  document.body.dataset.ready = 'true';
  performance.mark('keyhatch:interactive'); // time-to-interactive for bench/kiosk.bench.ts
}

function applyChrome(locale: string, t: (k: string) => string): void {
  document.documentElement.lang = locale;
  byId('lang-label').textContent = t('common.language');
  byId('brand').textContent = t('kiosk.brand');
  byId('back-to-signin').textContent = t('kiosk.backToSignIn');
}

boot().catch((err: unknown) => {
  alerts.error('Keyhatch could not start. Contact your help desk.');
  console.error(err);
});
