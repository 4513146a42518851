// The enrollment portal: sign in with the current directory password, see the enrolled methods,
// add e-mail / SMS (confirmed by code), an authenticator app (QR + code), a security key
// (WebAuthn) or security questions, and remove methods.
import { startRegistration } from '@simplewebauthn/browser';
import { ApiError, type Api, type EnrolledFactorView, type FactorType } from '../shared/api.js';
import { methodNameKey } from '../shared/flow.js';
import type { Translator } from '../shared/i18n.js';
import { Alerts, errorText, field, focusStep, h, setBusy } from '../shared/ui.dom.js';

export interface PortalDeps { api: Api; t: Translator; view: HTMLElement; user: HTMLElement; alerts: Alerts; setToken(token: string | undefined): void }

type Adding = FactorType | undefined;
const ADDABLE: readonly FactorType[] = ['email', 'sms', 'totp', 'webauthn', 'questions'];
/** Types whose (masked) hint tells two methods apart; the others' hints are the server's English labels. */
const HINTED: ReadonlySet<FactorType> = new Set<FactorType>(['email', 'sms', 'webauthn']);

export class Portal {
  private displayName: string | undefined;
  private factors: EnrolledFactorView[] = [];
  private adding: Adding;
  private pending: { factorId: string; type: FactorType; target?: string; otpauthUri?: string; secret?: string; qrSvg?: string } | undefined;
  private notice: string | undefined;

  constructor(private readonly d: PortalDeps) {}

  get t(): Translator { return this.d.t; }
  set translator(t: Translator) { this.d.t = t; }

  rerender(): void { this.render(false); }

  private get signedIn(): boolean { return this.displayName !== undefined; }

  private render(moveFocus: boolean): void {
    const content = this.signedIn ? this.methodsView() : this.loginView();
    this.d.view.replaceChildren(content);
    this.d.view.dataset.step = this.signedIn ? (this.adding ? `add-${this.adding}` : 'methods') : 'login';
    this.d.user.textContent = this.signedIn ? this.t.t('portal.signedIn', { name: this.displayName ?? '' }) : '';
    document.title = `${content.querySelector('h1')?.textContent ?? ''} – Keyhatch`;
    if (moveFocus) focusStep(this.d.view);
  }

  show(): void {
    this.d.alerts.clear();
    this.render(true);
  }

  private loginView(): HTMLElement {
    const t = this.t;
    const user = field({ id: 'username', label: t.t('portal.login.username'), autocomplete: 'username', autofocus: true, maxlength: 256 });
    const pw = field({ id: 'password', label: t.t('portal.login.password'), type: 'password', autocomplete: 'current-password' });
    const form = h('form', { novalidate: true }, user.wrap, pw.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('portal.login.submit'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const missing = [user.input, pw.input].find((i) => i.value === '');
      if (missing) return this.fieldError(missing, t.t('error.required'));
      void this.busy(form, async () => {
        const r = await this.d.api.login(user.input.value.trim(), pw.input.value);
        this.d.setToken(r.token);
        this.displayName = r.user?.displayName ?? user.input.value.trim();
        await this.reload();
        this.show();
      }, pw.input, () => { pw.input.value = ''; });
    });
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('portal.login.heading')), h('p', { class: 'intro' }, t.t('portal.login.intro')), form);
  }

  private async reload(): Promise<void> { this.factors = await this.d.api.factors(); }

  private methodsView(): HTMLElement {
    const t = this.t;
    const list = this.factors.length === 0 ? h('p', { id: 'no-methods' }, t.t('portal.methods.none'))
      : h('ul', { class: 'methods', id: 'methods' }, ...this.factors.map((f) => h('li', { 'data-type': f.type, 'data-confirmed': String(f.confirmed) },
        h('span', { class: 'name' }, t.t(methodNameKey(f.type))), h('span', { class: 'hint' }, HINTED.has(f.type) ? f.hint : '', f.confirmed ? '' : ` ${t.t('portal.methods.pending')}`),
        h('button', { type: 'button', 'aria-label': t.t('portal.methods.removeLabel', { method: `${t.t(methodNameKey(f.type))}${HINTED.has(f.type) ? ` ${f.hint}` : ''}` }), onclick: (e: Event) => this.remove(f, e.currentTarget as HTMLButtonElement) }, t.t('portal.methods.remove')))));
    const addButtons = h('ul', { class: 'choices' }, ...ADDABLE.map((type, i) => h('li', {},
      h('button', { type: 'button', class: 'choice', 'data-add': type, 'data-autofocus': !this.adding && i === 0 && !this.notice, onclick: () => this.startAdd(type) }, t.t(`portal.add.${type}`)))));
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, t.t('portal.methods.heading')),
      this.notice ? h('p', { class: 'notice', id: 'notice', tabindex: '-1', 'data-autofocus': !this.adding }, this.notice) : null,
      list,
      this.adding ? this.addPanel(this.adding) : h('div', {}, h('h2', {}, t.t('portal.add.heading')), addButtons),
      h('div', { class: 'secondary-actions' }, h('button', { type: 'button', class: 'link', onclick: () => this.signOut() }, t.t('portal.signOut'))));
  }

  private startAdd(type: FactorType): void {
    this.adding = type;
    this.pending = undefined;
    this.notice = undefined;
    if (type === 'totp') {
      void this.busy(this.d.view, async () => {
        const r = await this.d.api.addTotp();
        this.pending = { factorId: r.factorId, type, otpauthUri: r.otpauthUri, secret: r.secret, qrSvg: r.qrSvg };
        this.show();
      });
      return;
    }
    if (type === 'questions') {
      void this.busy(this.d.view, async () => {
        this.questions = await this.d.api.questionList();
        this.show();
      });
      return;
    }
    this.show();
  }

  private questions: { questions: string[]; required: number; minAnswerLength: number } | undefined;

  private addPanel(type: FactorType): HTMLElement {
    const t = this.t;
    const cancel = h('button', { type: 'button', onclick: () => { this.adding = undefined; this.pending = undefined; this.show(); } }, t.t('portal.cancel'));
    const panel = (...body: Array<Node | null>) => h('div', { class: 'panel', id: 'add-panel' }, h('h2', { id: 'add-heading' }, t.t(`portal.add.${type}`)), ...body);

    if ((type === 'email' || type === 'sms') && !this.pending) {
      const target = type === 'email'
        ? field({ id: 'address', label: t.t('portal.email.address'), type: 'email', autocomplete: 'email', autofocus: true })
        : field({ id: 'phone', label: t.t('portal.sms.phone'), type: 'tel', autocomplete: 'tel', autofocus: true, help: t.t('portal.sms.help') });
      const form = h('form', { novalidate: true }, target.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('portal.sendCode')), cancel));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const value = target.input.value.trim();
        if (value === '') return this.fieldError(target.input, t.t('error.required'));
        void this.busy(form, async () => {
          const r = type === 'email' ? await this.d.api.addEmail(value) : await this.d.api.addSms(value);
          this.pending = { factorId: r.factorId, type, target: value };
          this.show();
        }, target.input);
      });
      return panel(form);
    }
    if (type === 'email' || type === 'sms' || type === 'totp') {
      const p = this.pending;
      if (!p) return panel(h('p', { class: 'loading' }, t.t('common.loading')));
      const code = field({ id: 'code', label: t.t('portal.code'), inputmode: 'numeric', autocomplete: 'one-time-code', autofocus: true, maxlength: 32 });
      const form = h('form', { novalidate: true }, code.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('portal.confirm')), cancel));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const value = code.input.value.replace(/\s+/g, '');
        if (value === '') return this.fieldError(code.input, t.t('error.required'));
        void this.busy(form, async () => {
          await this.d.api.confirmFactor(p.factorId, { code: value });
          await this.added();
        }, code.input, () => { code.input.value = ''; });
      });
      const intro = type === 'totp'
        ? [h('p', {}, t.t('portal.totp.intro')),
          p.qrSvg ? h('img', { class: 'qr', id: 'qr', alt: t.t('portal.totp.qr'), src: `data:image/svg+xml;base64,${btoa(p.qrSvg)}` }) : null,
          h('p', {}, t.t('portal.totp.secret'), ' ', h('code', { class: 'secret', id: 'totp-secret' }, (p.secret ?? '').replace(/(.{4})/g, '$1 ').trim()))]
        : [h('p', {}, t.t('portal.code.sent', { target: p.target ?? '' }))];
      return panel(...intro, form);
    }
    if (type === 'webauthn') {
      const button = h('button', { type: 'button', class: 'primary', 'data-autofocus': true }, t.t('portal.webauthn.button'));
      const form = h('div', {}, h('p', {}, t.t('portal.webauthn.intro')), h('div', { class: 'actions' }, button, cancel));
      button.addEventListener('click', () => void this.busy(form, async () => {
        const r = await this.d.api.addWebauthn();
        let credential: unknown;
        try {
          credential = await startRegistration({ optionsJSON: r.publicKey as Parameters<typeof startRegistration>[0]['optionsJSON'] });
        } catch {
          await this.d.api.removeFactor(r.factorId).catch(() => undefined);
          throw new ApiError(0, 'WEBAUTHN_CANCELLED', '');
        }
        await this.d.api.confirmFactor(r.factorId, { credential });
        await this.added();
      }, button));
      return panel(form);
    }
    // questions
    const q = this.questions;
    if (!q) return panel(h('p', { class: 'loading' }, t.t('common.loading')));
    const rows = Array.from({ length: q.required }, (_, i) => {
      const selId = `question-${i}`;
      const select = h('select', { id: selId, name: selId, 'data-autofocus': i === 0 },
        h('option', { value: '' }, t.t('portal.questions.choose')), ...q.questions.map((text) => h('option', { value: text }, text)));
      const answer = field({ id: `answer-${i}`, label: t.t('portal.questions.answer', { n: i + 1 }), autocomplete: 'off' });
      return { select, answer, wrap: h('div', { class: 'field' }, h('label', { for: selId }, t.t('portal.questions.question', { n: i + 1 })), select, answer.wrap) };
    });
    const form = h('form', { novalidate: true }, h('p', {}, t.t('portal.questions.intro', { count: q.required, min: q.minAnswerLength })),
      ...rows.map((r) => r.wrap), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('portal.questions.save')), cancel));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = rows.map((r) => r.select.value);
      const emptySel = rows.find((r) => r.select.value === '');
      if (emptySel) { emptySel.select.setAttribute('aria-invalid', 'true'); this.d.alerts.error(t.t('error.required')); emptySel.select.focus(); return; }
      if (new Set(chosen).size !== chosen.length) { this.d.alerts.error(t.t('portal.questions.distinct')); rows[0]?.select.focus(); return; }
      const short = rows.find((r) => [...r.answer.input.value.trim()].length < q.minAnswerLength);
      if (short) return this.fieldError(short.answer.input, t.t('portal.questions.short', { min: q.minAnswerLength }));
      void this.busy(form, async () => {
        await this.d.api.addQuestions(rows.map((r) => ({ question: r.select.value, answer: r.answer.input.value })));
        await this.added();
      });
    });
    return panel(form);
  }

  private async added(): Promise<void> {
    this.adding = undefined;
    this.pending = undefined;
    await this.reload();
    this.notice = this.t.t('portal.added');
    this.show();
    this.d.alerts.say(this.notice);
  }

  private remove(f: EnrolledFactorView, button: HTMLButtonElement): void {
    void this.busy(button, async () => {
      await this.d.api.removeFactor(f.id);
      await this.reload();
      this.notice = this.t.t('portal.methods.removed');
      this.adding = undefined;
      this.show();
      this.d.alerts.say(this.notice);
    }, button);
  }

  private signOut(): void {
    void this.d.api.logout().catch(() => undefined);
    this.d.setToken(undefined);
    this.displayName = undefined;
    this.factors = [];
    this.adding = undefined;
    this.notice = undefined;
    this.show();
  }

  private fieldError(input: HTMLInputElement, message: string): void {
    input.setAttribute('aria-invalid', 'true');
    this.d.alerts.error(message);
    input.focus();
  }

  private async busy(scope: HTMLElement, fn: () => Promise<void>, refocus?: HTMLElement, onError?: () => void): Promise<void> {
    this.d.alerts.clear();
    setBusy(scope, true);
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'UNAUTHORIZED' || err.code === 'SESSION_EXPIRED') && this.signedIn) {
        this.d.setToken(undefined);
        this.displayName = undefined;
        this.adding = undefined;
        this.show();
      }
      onError?.();
      const key = err instanceof ApiError && err.code === 'WEBAUTHN_CANCELLED' ? 'portal.webauthn.failed' : undefined;
      this.d.alerts.error(key ? this.t.t(key) : errorText(this.t, err));
      if (refocus?.isConnected) refocus.focus();
    } finally {
      if (scope.isConnected) setBusy(scope, false);
      if (refocus?.isConnected && document.activeElement === document.body) refocus.focus();
    }
  }
}
