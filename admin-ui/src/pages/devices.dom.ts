// Joined workstations (relays): name, domain, joined, last seen, revoked; "Revoke" ends a device's
// access at once (its certificate is refused from the next request on).
import { h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import type { DeviceView } from '../admin-api.js';
import { tableRegion, when, type ConsolePage, type PageContext } from '../page.js';

export class DevicesPage implements ConsolePage {
  readonly titleKey = 'admin.nav.devices';
  readonly roles = ['admin'] as const;
  private notice: string | undefined;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const devices = await ctx.api.devices();
    const row = (d: DeviceView) => h('tr', { 'data-device': d.id },
      h('th', { scope: 'row' }, d.name), h('td', {}, h('code', {}, d.id)), h('td', {}, d.domain ?? '—'), h('td', {}, when(t, d.joinedAt)), h('td', {}, when(t, d.lastSeenAt)),
      h('td', {}, d.revokedAt ? h('span', { class: 'badge bad' }, t.t('admin.devices.revoked')) : h('span', { class: 'badge ok' }, t.t('admin.devices.active'))),
      h('td', {}, d.revokedAt ? '' : h('button', { type: 'button', 'data-revoke': d.id, 'aria-label': `${t.t('admin.devices.revoke')}: ${d.name}`,
        onclick: (e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => {
          await ctx.api.revoke(d.id);
          this.notice = t.t('admin.devices.revokedNotice', { name: d.name });
          await ctx.rerender();
          ctx.alerts.say(this.notice);
        }) }, t.t('admin.devices.revoke'))));
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.devices.heading')), h('p', { class: 'intro' }, t.t('admin.devices.intro')),
      this.notice ? h('p', { class: 'notice', id: 'notice' }, this.notice) : null,
      devices.length === 0 ? h('p', { id: 'no-devices' }, t.t('admin.devices.none'))
        : tableRegion(t.t('admin.devices.caption', { count: devices.length }), h('table', { id: 'devices' }, h('caption', {}, t.t('admin.devices.caption', { count: devices.length })),
          h('thead', {}, h('tr', {}, ...['name', 'id', 'domain', 'joined', 'lastSeen', 'state', 'action'].map((k) => h('th', { scope: 'col' }, t.t(`admin.devices.col.${k}`))))),
          h('tbody', {}, ...devices.map(row)))));
  }
}
