// Group targeting per directory: the target groups (their members, nested groups included, are the
// licensed population), a group search to add more, removal, "Synchronize now" with a progress bar
// while it runs, and the connector status (Connected / Unauthorized / Unreachable).
import { field, h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import type { DirectoryPop, SyncRun } from '../admin-api.js';
import { when, type ConsolePage, type PageContext } from '../page.js';

export class TargetingPage implements ConsolePage {
  readonly titleKey = 'admin.nav.targeting';
  readonly roles = ['admin'] as const;
  private hits = new Map<string, Array<{ groupId: string; name: string; description: string }>>();
  private queries = new Map<string, string>();
  private polling = false;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const dirs = await ctx.api.popDirectories();
    if (dirs.some((d) => running(d.sync))) this.poll(ctx, dirs);
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.targeting.heading')), h('p', { class: 'intro' }, t.t('admin.targeting.intro')),
      dirs.length === 0 ? h('p', { id: 'no-directories' }, t.t('admin.targeting.none')) : null,
      ...dirs.map((d) => this.directory(ctx, d)));
  }

  /** Polls while a sync runs, then re-renders once with the result. */
  private poll(ctx: PageContext, dirs: DirectoryPop[]): void {
    if (this.polling) return;
    this.polling = true;
    const tick = async () => {
      const states = await Promise.all(dirs.map((d) => ctx.api.syncState(d.id).catch(() => null)));
      for (const [i, s] of states.entries()) {
        const bar = document.getElementById(`sync-progress-${dirs[i]?.id ?? ''}`) as HTMLProgressElement | null;
        if (bar && s?.progress) { bar.value = s.progress.done; if (s.progress.total) bar.max = s.progress.total; }
      }
      if (states.some((s) => running(s))) { setTimeout(() => void tick(), 1000); return; }
      this.polling = false;
      if (document.querySelector('[data-directory]')) {
        await ctx.rerender(false);
        document.getElementById('sync-result')?.focus();
        const done = document.getElementById('sync-result')?.textContent;
        if (done) ctx.alerts.say(done);
      }
    };
    setTimeout(() => void tick(), 500);
  }

  private directory(ctx: PageContext, d: DirectoryPop): HTMLElement {
    const { t } = ctx;
    const id = d.id;
    const save = (groups: Array<{ groupId: string; name: string }>, e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => {
      await ctx.api.setTargets(id, groups);
      await ctx.rerender(false);
      document.getElementById(`targets-${id}`)?.focus();
      ctx.alerts.say(t.t('admin.targeting.saved'));
    });
    const targets = d.targets.length === 0 ? h('p', { id: `targets-${id}`, tabindex: '-1' }, t.t('admin.targeting.everyone'))
      : h('ul', { class: 'methods', id: `targets-${id}`, tabindex: '-1' }, ...d.targets.map((g) => h('li', {}, h('span', { class: 'name' }, g.name), h('span', { class: 'hint' }, g.groupId),
        h('button', { type: 'button', 'aria-label': `${t.t('portal.methods.remove')}: ${g.name}`, onclick: (e: Event) => save(d.targets.filter((x) => x.groupId !== g.groupId), e) }, t.t('portal.methods.remove')))));
    const search = field({ id: `group-q-${id}`, label: t.t('admin.targeting.search'), required: false, value: this.queries.get(id) ?? '', maxlength: 256 });
    const form = h('form', { novalidate: true }, search.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', id: `group-search-${id}` }, t.t('admin.targeting.find'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void ctx.busy(form, async () => {
        this.queries.set(id, search.input.value.trim());
        this.hits.set(id, await ctx.api.searchGroups(id, search.input.value.trim()));
        await ctx.rerender(false);
        document.getElementById(`group-hits-${id}`)?.focus();
      });
    });
    const hits = this.hits.get(id);
    const hitList = hits === undefined ? null : hits.length === 0 ? h('p', { id: `group-hits-${id}`, tabindex: '-1' }, t.t('admin.targeting.noHits'))
      : h('ul', { class: 'methods', id: `group-hits-${id}`, tabindex: '-1' }, ...hits.map((g) => h('li', {}, h('span', { class: 'name' }, g.name), h('span', { class: 'hint' }, g.description || g.groupId),
        d.targets.some((x) => x.groupId === g.groupId) ? h('span', {}, t.t('admin.targeting.already'))
          : h('button', { type: 'button', 'data-add-group': g.groupId, 'aria-label': `${t.t('admin.targeting.add')}: ${g.name}`, onclick: (e: Event) => save([...d.targets, { groupId: g.groupId, name: g.name }], e) }, t.t('admin.targeting.add')))));
    const st = d.status;
    const run = d.sync;
    const syncButton = (full: boolean) => h('button', { type: 'button', class: full ? '' : 'primary', id: `sync-${full ? 'full-' : ''}${id}`, disabled: running(run),
      onclick: (e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => { await ctx.api.syncNow(id, full); await ctx.rerender(false); document.getElementById(`sync-progress-${id}`)?.focus(); }) },
    t.t(full ? 'admin.targeting.syncFull' : 'admin.targeting.syncNow'));
    return h('div', { class: 'panel', 'data-directory': id, id: `targeting-${id}` },
      h('h2', {}, t.t('admin.targeting.directory', { name: id })),
      h('p', { id: `connector-${id}`, 'data-state': st.state ?? 'unknown' }, h('span', { class: `badge ${st.state === 'Connected' ? 'ok' : st.state ? 'bad' : ''}` }, t.t(`admin.connector.${st.state ?? 'unknown'}`)), ' ',
        st.lastSuccess ? t.t('admin.targeting.lastSuccess', { time: when(t, st.lastSuccess) }) : '',
        st.lastError ? ` ${t.t('admin.targeting.lastError', { time: when(t, st.lastError.at), code: st.lastError.code })}` : ''),
      h('h3', {}, t.t('admin.targeting.targets')), targets,
      form, hitList,
      h('div', { class: 'actions' }, syncButton(false), syncButton(true)),
      running(run) ? h('div', { class: 'field' }, h('label', { for: `sync-progress-${id}` }, t.t('admin.targeting.syncing')),
        h('progress', { id: `sync-progress-${id}`, tabindex: '-1', max: String(run?.progress?.total ?? 100), ...(run?.progress ? { value: String(run.progress.done) } : {}) }))
        : run?.result ? h('p', { class: 'notice', id: 'sync-result', tabindex: '-1' }, t.t('admin.targeting.synced', { mode: run.result.mode, scanned: run.result.scanned, written: run.result.written, removed: run.result.removed }))
          : run?.error ? h('p', { class: 'verdict', id: 'sync-result', tabindex: '-1' }, t.t('admin.targeting.syncFailed', { code: run.error.code })) : null);
  }
}

const running = (r: SyncRun | null | undefined): boolean => !!r && !r.result && !r.error;
