// Adoption dashboard: statuses over time (the daily counts sync records) as a chart, and where the
// population stands today.
import { h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import { POP_STATUSES } from '../admin-api.js';
import { adoptionChart } from '../chart.dom.js';
import type { ConsolePage, PageContext } from '../page.js';

export class AdoptionPage implements ConsolePage {
  readonly titleKey = 'admin.nav.adoption';
  readonly roles = ['admin'] as const;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const sum = await ctx.api.summary();
    const inScope = sum.counts.DISCOVERED + sum.counts.ENROLLED + sum.counts.LOCKED;
    const pct = inScope === 0 ? 0 : Math.round((sum.counts.ENROLLED / inScope) * 100);
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.adoption.heading')), h('p', { class: 'intro' }, t.t('admin.adoption.intro')),
      h('p', { id: 'adoption-now' }, t.t('admin.adoption.now', { pct, enrolled: sum.counts.ENROLLED, total: inScope })),
      h('dl', { class: 'facts', id: 'counts' }, ...POP_STATUSES.flatMap((st) => [h('dt', {}, t.t(`admin.status.${st}`)), h('dd', { 'data-status': st }, String(sum.counts[st]))])),
      adoptionChart(t, sum.series));
  }
}
