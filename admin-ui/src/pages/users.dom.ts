// The targeted users with their status (DISCOVERED, ENROLLED, LOCKED, out of scope, disabled),
// filtered by status and searched by name or mail, a page at a time; the licence count on top.
import { field, h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import { POP_STATUSES, type PopUser, type Summary } from '../admin-api.js';
import { tableRegion, when, type ConsolePage, type PageContext } from '../page.js';

const PAGE = 50;

export class UsersPage implements ConsolePage {
  readonly titleKey = 'admin.nav.users';
  readonly roles = ['admin'] as const;
  private query = new URLSearchParams({ limit: String(PAGE) });
  private data: { total: number; users: PopUser[] } | undefined;
  private summary: Summary | undefined;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    [this.data, this.summary] = await Promise.all([this.data ?? ctx.api.users(this.query), this.summary ?? ctx.api.summary()]);
    const q = this.query;
    const offset = Number(q.get('offset') ?? 0);
    const search = field({ id: 'u-search', label: t.t('admin.users.search'), required: false, value: q.get('search') ?? '', maxlength: 256 });
    const status = h('select', { id: 'u-status', name: 'u-status' }, h('option', { value: '' }, t.t('admin.audit.any')),
      ...POP_STATUSES.map((s) => h('option', { value: s, selected: q.get('status') === s }, t.t(`admin.status.${s}`))));
    const load = async (next: URLSearchParams) => {
      this.query = next;
      this.data = await ctx.api.users(next);
      await ctx.rerender();
      ctx.alerts.say(t.t('admin.users.count', { count: this.data.total }));
    };
    const form = h('form', { novalidate: true, id: 'users-filter' },
      h('div', { class: 'filters' }, search.wrap, h('div', { class: 'field' }, h('label', { for: 'u-status' }, t.t('admin.users.status')), status)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'users-show' }, t.t('admin.audit.show'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const next = new URLSearchParams({ limit: String(PAGE) });
      if (search.input.value.trim()) next.set('search', search.input.value.trim());
      if (status.value) next.set('status', status.value);
      void ctx.busy(form, () => load(next));
    });
    const page = (delta: number) => (e: Event) => {
      const next = new URLSearchParams(q);
      next.set('offset', String(Math.max(0, offset + delta)));
      void ctx.busy(e.currentTarget as HTMLElement, () => load(next));
    };
    const { total, users } = this.data;
    const lic = this.summary.licence;
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.users.heading')),
      h('p', { id: 'licence' }, lic.limit !== undefined ? t.t('admin.users.licenceLimit', { count: lic.count, limit: lic.limit }) : t.t('admin.users.licence', { count: lic.count })),
      lic.exceeded ? h('p', { class: 'verdict', id: 'licence-warning' }, t.t('admin.users.licenceExceeded', { count: lic.count, limit: lic.limit ?? 0 })) : null,
      form,
      users.length === 0 ? h('p', { id: 'no-users' }, t.t('admin.users.none'))
        : tableRegion(t.t('admin.users.caption', { from: offset + 1, to: offset + users.length, total }), h('table', { id: 'users' }, h('caption', {}, t.t('admin.users.caption', { from: offset + 1, to: offset + users.length, total })),
          h('thead', {}, h('tr', {}, ...['name', 'displayName', 'mail', 'status', 'changed'].map((k) => h('th', { scope: 'col' }, t.t(`admin.users.col.${k}`))))),
          h('tbody', {}, ...users.map((u) => h('tr', { 'data-status': u.status },
            h('th', { scope: 'row' }, u.accountName), h('td', {}, u.displayName), h('td', {}, u.mail),
            h('td', {}, h('span', { class: `badge ${u.status === 'ENROLLED' ? 'ok' : u.status === 'LOCKED' ? 'bad' : ''}` }, t.t(`admin.status.${u.status}`))),
            h('td', {}, when(t, u.lastChange))))))),
      h('div', { class: 'actions' },
        offset > 0 ? h('button', { type: 'button', id: 'users-prev', onclick: page(-PAGE) }, t.t('admin.users.prev')) : null,
        offset + users.length < total ? h('button', { type: 'button', id: 'users-next', onclick: page(PAGE) }, t.t('admin.users.next')) : null));
  }
}
