// Factor policy and settings, read-only: they come from the configuration file, Group Policy and
// the environment, and Group Policy wins — an edit here would be overwritten or fight the policy.
// The keys are shown as they are written in the configuration, so an admin knows what to change.
import { h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import type { ConsolePage, PageContext } from '../page.js';

function value(v: unknown): Node | string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.every((x) => typeof x !== 'object') ? v.join(', ') : h('ul', {}, ...v.map((x) => h('li', {}, value(x))));
  if (typeof v === 'object') return facts(v as Record<string, unknown>);
  return String(v);
}

function facts(o: Record<string, unknown>): HTMLElement {
  return h('dl', { class: 'facts' }, ...Object.entries(o).flatMap(([k, v]) => [h('dt', {}, h('code', {}, k)), h('dd', {}, value(v))]));
}

const SECTIONS = ['factors', 'policy', 'rateLimits', 'questions', 'console', 'directories', 'mail', 'sms'] as const;

export class SettingsPage implements ConsolePage {
  readonly titleKey = 'admin.nav.settings';
  readonly roles = ['admin'] as const;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const s = await ctx.api.settings();
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading', id: 'settings' },
      h('h1', { id: 'step-heading' }, t.t('admin.settings.heading')), h('p', { class: 'intro' }, t.t('admin.settings.readOnly')),
      h('p', {}, t.t('admin.settings.store', { store: String(s.store) })),
      ...SECTIONS.flatMap((k) => [h('h2', {}, t.t(`admin.settings.${k}`)), h('div', { 'data-section': k }, value(s[k]))]));
  }
}
