// The audit trail with filters (action, who, whom, result, dates) and a CSV download of the same
// selection (the server neutralises spreadsheet formulas).
import { field, h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import type { AuditEntry } from '../admin-api.js';
import type { ConsolePage, PageContext } from '../page.js';
import { eventsTable } from './caller.dom.js';

const RESULTS = ['', 'success', 'failure', 'refused', 'info'] as const;

export class AuditPage implements ConsolePage {
  readonly titleKey = 'admin.nav.audit';
  readonly roles = ['admin'] as const;
  private query = new URLSearchParams({ limit: '200' });
  private events: AuditEntry[] | undefined;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    this.events ??= await ctx.api.audit(this.query);
    const q = this.query;
    const text = (id: string, key: string, help?: string) => field({ id: `f-${id}`, label: t.t(key), required: false, value: q.get(id) ?? '', maxlength: 256, ...(help ? { help } : {}) });
    const action = text('action', 'admin.audit.col.action', t.t('admin.audit.actionHelp'));
    const actor = text('actor', 'admin.audit.col.actor');
    const target = text('target', 'admin.audit.col.target');
    const result = h('select', { id: 'f-result', name: 'f-result' }, ...RESULTS.map((r) => h('option', { value: r, selected: (q.get('result') ?? '') === r }, r === '' ? t.t('admin.audit.any') : r)));
    const date = (id: string, key: string) => {
      const input = h('input', { id: `f-${id}`, name: `f-${id}`, type: 'date', value: q.get(id) ?? '' });
      return { input, wrap: h('div', { class: 'field' }, h('label', { for: `f-${id}` }, t.t(key)), input) };
    };
    const since = date('since', 'admin.audit.since');
    const until = date('until', 'admin.audit.until');
    const form = h('form', { novalidate: true, id: 'audit-filters' },
      h('div', { class: 'filters' }, action.wrap, actor.wrap, target.wrap, h('div', { class: 'field' }, h('label', { for: 'f-result' }, t.t('admin.audit.col.result')), result), since.wrap, until.wrap),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'audit-show' }, t.t('admin.audit.show')),
        h('a', { class: 'button', id: 'audit-csv', href: `/admin/api/audit.csv?${q.toString()}`, download: 'keyhatch-audit.csv' }, t.t('admin.audit.csv'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const next = new URLSearchParams({ limit: '200' });
      for (const [k, el] of [['action', action.input], ['actor', actor.input], ['target', target.input], ['result', result], ['since', since.input], ['until', until.input]] as const) {
        if (el.value.trim() !== '') next.set(k, el.value.trim());
      }
      void ctx.busy(form, async () => {
        this.query = next;
        this.events = await ctx.api.audit(next);
        await ctx.rerender();
        ctx.alerts.say(t.t('admin.audit.count', { count: this.events.length }));
      });
    });
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.audit.heading')), h('p', { class: 'intro' }, t.t('admin.audit.intro')),
      form, eventsTable(ctx, this.events, 'admin.audit.caption', 'audit'));
  }
}
