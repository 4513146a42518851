// Enrollment portal entry point. The bearer token lives in memory only (a reload signs out).
import { Api } from '../shared/api.js';
import { Alerts, byId, chooseLocale, languagePicker, translatorFor } from '../shared/ui.dom.js';
import { Portal } from './portal.dom.js';

let token: string | undefined;
const api = new Api({ headers: (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {}) });
const alerts = new Alerts(byId('error'), byId('announce'));

async function boot(): Promise<void> {
  const config = await api.uiConfig().catch(() => ({ defaultLocale: 'en', locales: ['en'], sessionSeconds: 600 }));
  const locale = chooseLocale(null, config.locales, config.defaultLocale);
  const t = await translatorFor(locale);
  applyChrome(t.locale, (k) => t.t(k));
  const portal = new Portal({ api, t, view: byId('view'), user: byId('user'), alerts, setToken: (v) => { token = v; } });
  languagePicker(byId<HTMLSelectElement>('lang'), config.locales, locale, (next) => {
    void translatorFor(next).then((nt) => {
      portal.translator = nt;
      applyChrome(nt.locale, (k) => nt.t(k));
      portal.rerender();
    });
  });
  portal.show();
  document.body.dataset.ready = 'true';
}

function applyChrome(locale: string, t: (k: string) => string): void {
  document.documentElement.lang = locale;
  byId('lang-label').textContent = t('common.language');
  byId('brand').textContent = t('portal.brand');
}

boot().catch((err: unknown) => {
  alerts.error('Keyhatch could not start. Try again later.');
  console.error(err);
});
