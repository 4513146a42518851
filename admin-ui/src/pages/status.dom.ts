// Connector status and "Verify connection": the checks `keyhatch doctor` runs, one line each.
import { h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import { when, type ConsolePage, type PageContext } from '../page.js';

export class StatusPage implements ConsolePage {
  readonly titleKey = 'admin.nav.status';
  readonly roles = ['admin'] as const;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const s = await ctx.api.status();
    const verify = h('button', { type: 'button', class: 'primary', id: 'verify-connection', onclick: (e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => {
      const r = await ctx.api.verifyConnection();
      await ctx.rerender();
      ctx.alerts.say(t.t(`admin.status.state.${r.state}`));
    }) }, t.t('admin.status.verify'));
    const last = s.last;
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.status.heading')), h('p', { class: 'intro' }, t.t('admin.status.intro')),
      h('table', { id: 'directories' }, h('caption', {}, t.t('admin.status.directories')),
        h('thead', {}, h('tr', {}, ...['name', 'kind', 'servers'].map((k) => h('th', { scope: 'col' }, t.t(`admin.status.col.${k}`))))),
        h('tbody', {}, ...s.directories.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.name), h('td', {}, d.kind), h('td', {}, d.servers.join(', ')))))),
      h('div', { class: 'actions' }, verify),
      last ? h('div', { id: 'last-check' },
        h('p', { id: 'check-state', 'data-state': last.state }, h('span', { class: `badge ${last.state === 'connected' ? 'ok' : 'bad'}` }, t.t(`admin.status.state.${last.state}`)), ' ',
          t.t('admin.status.checkedBy', { time: when(t, last.at), user: last.by })),
        h('table', { id: 'checks' }, h('caption', {}, t.t('admin.status.checks')),
          h('thead', {}, h('tr', {}, ...['check', 'result', 'detail'].map((k) => h('th', { scope: 'col' }, t.t(`admin.status.col.${k}`))))),
          h('tbody', {}, ...last.checks.map((c) => h('tr', { 'data-ok': String(c.ok) }, h('th', { scope: 'row' }, c.name),
            h('td', {}, h('span', { class: `badge ${c.ok ? 'ok' : 'bad'}` }, t.t(c.ok ? 'admin.status.ok' : 'admin.status.fail'))), h('td', {}, c.detail))))))
        : h('p', { id: 'never-checked' }, t.t('admin.status.never')));
  }
}
