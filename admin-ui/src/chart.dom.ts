// Adoption over time as an SVG chart: one stacked bar per day (statuses stacked bottom-up), axes,
// a legend, and a text alternative (title + description with the latest day's figures).
import type { Translator } from '../../kiosk-ui/src/shared/i18n.js';
import { h } from '../../kiosk-ui/src/shared/ui.dom.js';
import { POP_STATUSES, type Counts } from './admin-api.js';

const NS = 'http://www.w3.org/2000/svg';
function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

export function adoptionChart(t: Translator, series: ReadonlyArray<{ day: string; counts: Counts }>): HTMLElement {
  const W = 720;
  const H = 320;
  const pad = { left: 56, right: 16, top: 16, bottom: 48 };
  const innerW = W - pad.left - pad.right;
  const innerH = H - pad.top - pad.bottom;
  const totals = series.map((p) => POP_STATUSES.reduce((n, st) => n + p.counts[st], 0));
  const max = Math.max(1, ...totals);
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const top = Math.ceil(max / step) * step;
  const y = (v: number) => pad.top + innerH - (v / top) * innerH;
  const slot = innerW / Math.max(1, series.length);
  const barW = Math.max(2, Math.min(40, slot * 0.7));
  const last = series.at(-1);
  const summary = last ? t.t('admin.adoption.summary', { day: last.day, ...Object.fromEntries(POP_STATUSES.map((st) => [st.toLowerCase(), last.counts[st]])) }) : t.t('admin.adoption.noData');
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'adoption-chart', role: 'img', 'aria-labelledby': 'chart-title chart-desc' },
    s('title', { id: 'chart-title' }, t.t('admin.adoption.chartTitle')), s('desc', { id: 'chart-desc' }, summary));
  for (let i = 0; i <= 4; i++) {
    const v = (top / 4) * i;
    svg.append(s('line', { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: pad.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, String(Math.round(v))));
  }
  series.forEach((p, i) => {
    const x = pad.left + slot * i + (slot - barW) / 2;
    let base = 0;
    for (const st of POP_STATUSES) {
      const v = p.counts[st];
      if (v > 0) svg.append(s('rect', { x, y: y(base + v), width: barW, height: Math.max(0.5, y(base) - y(base + v)), class: `s-${st}`, 'data-day': p.day, 'data-status': st }));
      base += v;
    }
    const every = Math.ceil(series.length / 8);
    if (i % every === 0 || i === series.length - 1) svg.append(s('text', { x: x + barW / 2, y: H - pad.bottom + 18, 'text-anchor': 'middle' }, p.day.slice(5)));
  });
  svg.append(s('line', { x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0), class: 'axis' }));
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' }, ...POP_STATUSES.map((st) => h('li', {}, h('span', { class: `swatch s-${st}` }), t.t(`admin.status.${st}`))));
  return h('figure', { id: 'adoption' }, svg, legend, h('figcaption', {}, summary));
}
