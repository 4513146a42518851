// Help a caller: type their name, "Verify caller" with one of their own enrolled methods (a code
// sent to their e-mail or phone that they read back, their authenticator app's current code, or
// their security key on a link sent to their own e-mail or phone — the page polls until the user
// has used it), see a clear verified / not verified verdict bound to that user, and only then
// unlock, give a one-time help-desk code or reset the enrollment. The server enforces the same rule.
import { field, h } from '../../../kiosk-ui/src/shared/ui.dom.js';
import type { CallerState, FactorView, UserDetail } from '../admin-api.js';
import { tableRegion, when, type ConsolePage, type PageContext } from '../page.js';

export class CallerPage implements ConsolePage {
  readonly titleKey = 'admin.nav.caller';
  readonly roles = ['helpdesk', 'admin'] as const;
  private name = '';
  private user: UserDetail | undefined;
  private result: { kind: 'code'; code: string; expiresAt: string } | { kind: 'text'; key: string; params?: Record<string, string | number> } | undefined;
  private failed = false;
  /** The timer of the poll that waits for a security-key link to be used. */
  private poll: number | undefined;

  async render(ctx: PageContext): Promise<HTMLElement> {
    const { t } = ctx;
    const name = field({ id: 'caller-name', label: t.t('admin.caller.name'), autocomplete: 'off', autofocus: !this.user, maxlength: 256, value: this.name, help: t.t('admin.caller.nameHelp') });
    const form = h('form', { novalidate: true, 'aria-labelledby': 'step-heading' }, name.wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'verify-caller' }, t.t('admin.caller.verify'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = name.input.value.trim();
      if (value === '') { name.input.setAttribute('aria-invalid', 'true'); ctx.alerts.error(t.t('error.required')); name.input.focus(); return; }
      void ctx.busy(form, async () => {
        this.name = value;
        this.user = await ctx.api.lookup(value);
        this.result = undefined;
        this.failed = false;
        await ctx.rerender(false);
        document.getElementById('caller-title')?.focus();
      }, name.input);
    });
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('admin.caller.heading')), h('p', { class: 'intro' }, t.t('admin.caller.intro')),
      form, this.user ? this.detail(ctx, this.user) : null);
  }

  private detail(ctx: PageContext, u: UserDetail): HTMLElement {
    const { t } = ctx;
    const yes = (b: boolean, bad = true) => h('span', { class: `badge ${b === bad ? 'bad' : 'ok'}` }, t.t(b ? 'admin.yes' : 'admin.no'));
    const facts = h('dl', { class: 'facts', id: 'user-facts' },
      h('dt', {}, t.t('admin.user.name')), h('dd', {}, u.name),
      h('dt', {}, t.t('admin.user.upn')), h('dd', {}, u.userPrincipalName ?? '—'),
      h('dt', {}, t.t('admin.user.locked')), h('dd', { id: 'user-locked' }, yes(u.status.locked)),
      h('dt', {}, t.t('admin.user.disabled')), h('dd', {}, yes(u.status.disabled)),
      h('dt', {}, t.t('admin.user.passwordExpired')), h('dd', {}, yes(u.status.passwordExpired || u.status.mustChange)),
      h('dt', {}, t.t('admin.user.privileged')), h('dd', {}, yes(u.privileged)));
    const methods = u.factors.length === 0 ? h('p', { id: 'no-methods' }, t.t('admin.user.noMethods'))
      : h('ul', { class: 'methods', id: 'methods' }, ...u.factors.map((f) => h('li', { 'data-type': f.type },
        h('span', { class: 'name' }, t.t(`method.${f.type}`)), h('span', { class: 'hint' }, this.hint(f), f.confirmed ? '' : ` ${t.t('portal.methods.pending')}`))));
    return h('div', { id: 'caller-detail' },
      h('h2', { id: 'caller-title', tabindex: '-1' }, u.displayName ? `${u.displayName} (${u.name})` : u.name),
      facts,
      h('h2', {}, t.t('admin.user.methods')), methods,
      h('h2', {}, t.t('admin.verify.heading')), this.verifyPanel(ctx, u),
      h('h2', {}, t.t('admin.actions.heading')), this.actions(ctx, u),
      h('h2', {}, t.t('admin.user.events')), eventsTable(ctx, u.events, 'admin.user.events'));
  }

  private hint(f: FactorView): string { return f.type === 'email' || f.type === 'sms' || f.type === 'webauthn' ? f.hint : ''; }

  private verifyPanel(ctx: PageContext, u: UserDetail): HTMLElement {
    const { t } = ctx;
    const c: CallerState = u.caller;
    const who = u.displayName ?? u.name;
    const verdict = c.verified
      ? h('p', { class: 'verdict verified', id: 'verdict', 'data-verified': 'true', role: 'status', tabindex: '-1' }, t.t('admin.verify.verified', { user: who, method: t.t(`method.${c.verifiedWith ?? 'email'}`), time: when(t, c.verifiedUntil) }))
      : h('p', { class: 'verdict', id: 'verdict', 'data-verified': 'false', role: 'status', tabindex: '-1' }, this.verdictText(ctx, u));
    const usable = u.factors.filter((f) => f.canVerify);
    if (c.pending?.type === 'webauthn') {
      this.watch(ctx, u.ref);
      const cancel = h('button', { type: 'button', id: 'cancel-verify', onclick: (e: Event) => this.cancel(ctx, u, e.currentTarget as HTMLElement) }, t.t('portal.cancel'));
      return h('div', { class: 'panel', id: 'verify-panel' }, verdict,
        h('p', { id: 'verify-ask' }, t.t('admin.verify.linkSent', { target: c.pending.sentTo ?? '' })),
        h('p', { id: 'verify-wait', 'data-opened': String(c.pending.opened === true) }, t.t(c.pending.opened ? 'admin.verify.opened' : 'admin.verify.waiting')),
        h('div', { class: 'actions' }, cancel));
    }
    if (c.pending) {
      const p = c.pending;
      const f = u.factors.find((x) => x.id === p.factorId);
      const code = field({ id: 'caller-code', label: t.t('admin.verify.code'), inputmode: 'numeric', autocomplete: 'off', autofocus: true, maxlength: 32 });
      const form = h('form', { novalidate: true }, code.wrap, h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', id: 'check-code' }, t.t('admin.verify.check')),
        h('button', { type: 'button', id: 'cancel-verify', onclick: (e: Event) => this.cancel(ctx, u, e.currentTarget as HTMLElement) }, t.t('portal.cancel'))));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const value = code.input.value.replace(/\s+/g, '');
        if (value === '') { code.input.setAttribute('aria-invalid', 'true'); ctx.alerts.error(t.t('error.required')); code.input.focus(); return; }
        void ctx.busy(form, async () => {
          const state = await ctx.api.confirm(u.ref, value);
          this.failed = !state.verified;
          this.user = await ctx.api.user(u.ref);
          await ctx.rerender(false);
          document.getElementById(state.verified ? 'verdict' : 'caller-code')?.focus();
          ctx.alerts.say(t.t(state.verified ? 'admin.verify.verified' : 'admin.verify.failed', { user: who, method: t.t(`method.${p.type}`), time: when(t, state.verifiedUntil) }));
        }, code.input);
      });
      const ask = p.type === 'totp' ? t.t('admin.verify.askTotp') : t.t('admin.verify.askCode', { target: f?.hint ?? '' });
      return h('div', { class: 'panel', id: 'verify-panel' }, verdict, h('p', { id: 'verify-ask' }, ask), form);
    }
    if (usable.length === 0) return h('div', { class: 'panel', id: 'verify-panel' }, verdict, h('p', { id: 'verify-none' }, t.t('admin.verify.none')));
    const choices = h('ul', { class: 'choices' }, ...usable.map((f) => h('li', {},
      h('button', { type: 'button', class: 'choice', 'data-verify': f.type, onclick: (e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => {
        const state = await ctx.api.verify(u.ref, f.id);
        this.failed = false;
        u.caller = state;
        await ctx.rerender();
      }) }, f.type === 'totp' ? t.t('admin.verify.withTotp') : f.type === 'webauthn' ? t.t('admin.verify.withKey', { target: f.hint }) : t.t('admin.verify.sendTo', { target: f.hint })))));
    return h('div', { class: 'panel', id: 'verify-panel' }, verdict, h('p', {}, t.t('admin.verify.choose')), choices);
  }

  /** Cancel ends the check on the server too: the code or link is no longer accepted. */
  private cancel(ctx: PageContext, u: UserDetail, button: HTMLElement): void {
    void ctx.busy(button, async () => {
      u.caller = await ctx.api.cancelVerify(u.ref);
      this.failed = false;
      await ctx.rerender();
    });
  }

  private verdictText(ctx: PageContext, u: UserDetail): string {
    const who = u.displayName ?? u.name;
    const f = u.caller.failed;
    if (f) return ctx.t.t(f.reason === 'expired' ? 'admin.verify.linkExpired' : f.type === 'webauthn' ? 'admin.verify.keyFailed' : 'admin.verify.failed', { user: who });
    return ctx.t.t(this.failed ? 'admin.verify.failed' : 'admin.verify.notVerified', { user: who });
  }

  /**
   * While a security-key link is out, asks the server every 2 s what became of it: "opened" is
   * announced in place; a verdict (verified, rejected, expired) re-renders the panel and takes focus.
   * Stops when the panel is gone (another page, another user) or the check was cancelled here.
   */
  private watch(ctx: PageContext, ref: string): void {
    if (this.poll !== undefined) return;
    const waiting = () => this.user?.ref === ref && this.user.caller.pending?.type === 'webauthn' && document.getElementById('verify-wait') !== null;
    const tick = async (): Promise<void> => {
      this.poll = undefined;
      if (!waiting()) return;
      let next: UserDetail;
      try { next = await ctx.api.user(ref); } catch { this.poll = window.setTimeout(() => void tick(), 2000); return; }
      if (!waiting() || !this.user) return;
      const was = this.user.caller.pending;
      const now = next.caller.pending;
      if (!next.caller.verified && now?.type === 'webauthn' && now.factorId === was?.factorId && now.expiresAt === was.expiresAt) {
        if (now.opened && !was.opened) {
          this.user.caller = next.caller;
          const line = document.getElementById('verify-wait');
          if (line) { line.textContent = ctx.t.t('admin.verify.opened'); line.dataset.opened = 'true'; }
          ctx.alerts.say(ctx.t.t('admin.verify.opened'));
        }
        this.poll = window.setTimeout(() => void tick(), 2000);
        return;
      }
      this.user = next;
      this.failed = false;
      await ctx.rerender(false);
      const verdict = document.getElementById('verdict');
      verdict?.focus();
      ctx.alerts.say(verdict?.textContent ?? '');
    };
    this.poll = window.setTimeout(() => void tick(), 2000);
  }

  private actions(ctx: PageContext, u: UserDetail): HTMLElement {
    const { t } = ctx;
    const enabled = u.caller.verified;
    const run = (id: string, key: string, fn: () => Promise<void>) => h('button', {
      type: 'button', id, disabled: !enabled, 'aria-describedby': enabled ? undefined : 'actions-help',
      onclick: (e: Event) => void ctx.busy(e.currentTarget as HTMLElement, async () => {
        await fn();
        this.user = await ctx.api.user(u.ref);
        await ctx.rerender(false);
        const out = document.getElementById('action-result');
        if (out) { out.focus(); ctx.alerts.say(out.textContent ?? ''); }
      }),
    }, t.t(key));
    const result = this.result === undefined ? null
      : this.result.kind === 'code'
        ? h('div', { class: 'notice', id: 'action-result', tabindex: '-1' }, h('p', {}, t.t('admin.actions.codeIntro', { time: when(t, this.result.expiresAt) })),
          h('p', { class: 'code-out', id: 'helpdesk-code' }, `${this.result.code.slice(0, 4)} ${this.result.code.slice(4)}`))
        : h('p', { class: 'notice', id: 'action-result', tabindex: '-1' }, t.t(this.result.key, this.result.params));
    return h('div', { id: 'actions' },
      enabled ? null : h('p', { id: 'actions-help', class: 'help' }, t.t('admin.actions.needVerify')),
      h('div', { class: 'actions' },
        run('do-unlock', 'admin.actions.unlock', async () => { await ctx.api.unlock(u.ref); this.result = { kind: 'text', key: 'admin.actions.unlocked' }; }),
        run('do-code', 'admin.actions.code', async () => { const r = await ctx.api.helpdeskCode(u.ref); this.result = { kind: 'code', code: r.code, expiresAt: r.expiresAt }; }),
        run('do-reset', 'admin.actions.reset', async () => { const r = await ctx.api.resetEnrollment(u.ref); this.result = { kind: 'text', key: 'admin.actions.resetDone', params: { count: r.removed } }; })),
      result);
  }
}

/** A table of audit events (time, action, who, whom, result). */
export function eventsTable(ctx: PageContext, events: ReadonlyArray<{ timestamp: string; action: string; actor: string; target?: string; result: string; reason?: string }>, captionKey: string, id = 'events'): HTMLElement {
  const { t } = ctx;
  if (events.length === 0) return h('p', { id: `${id}-none` }, t.t('admin.audit.none'));
  return tableRegion(t.t(captionKey), h('table', { id },
    h('caption', {}, t.t(captionKey)),
    h('thead', {}, h('tr', {}, ...['time', 'action', 'actor', 'target', 'result', 'reason'].map((k) => h('th', { scope: 'col' }, t.t(`admin.audit.col.${k}`))))),
    h('tbody', {}, ...events.map((e) => h('tr', {}, h('td', {}, when(t, e.timestamp)), h('td', {}, e.action), h('td', {}, e.actor), h('td', {}, e.target ?? ''), h('td', {}, e.result), h('td', {}, e.reason ?? ''))))));
}
