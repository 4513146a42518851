// The kiosk wizard a locked-out user sees: who are you → how to verify → verify → unlock or reset
// → new password (rules checked live) → done. One step on screen at a time; focus moves to each
// new step; errors go to the page's alert region; a countdown shows the session's time left.
import { startAuthentication } from '@simplewebauthn/browser';
import { ApiError, type Api, type Challenge, type RecoveryFactor, type RecoveryStart, type RecoveryStatus } from '../shared/api.js';
import { crossedThreshold, formatSeconds, isWarning, secondsLeft } from '../shared/countdown.js';
import { actionsFor, factorLabelKey, needsContact, remainingFactors, unlockWithReset, type Action } from '../shared/flow.js';
import type { Translator } from '../shared/i18n.js';
import { checklist, strength, violationKey } from '../shared/password.js';
import { Alerts, errorText, field, focusStep, h, setBusy } from '../shared/ui.dom.js';

export type Step = 'who' | 'method' | 'contact' | 'verify' | 'action' | 'password' | 'done' | 'expired';

export interface WizardDeps {
  api: Api;
  t: Translator;
  view: HTMLElement;
  timer: HTMLElement;
  alerts: Alerts;
  /** Leaves the kiosk (Electron: back to the logon screen); in a browser: start again. */
  exit?: () => void;
  now?: () => number;
}

interface Session {
  start: RecoveryStart;
  used: Set<string>;
  factor?: RecoveryFactor;
  /** The address or number typed for an e-mail or SMS code (shown back, never fetched). */
  contact?: string;
  challenge?: Challenge;
  status?: RecoveryStatus;
  remaining: number;
  result?: { action: Action; unlocked: boolean };
}

export class Wizard {
  step: Step = 'who';
  private username = '';
  private s: Session | undefined;
  private tick: ReturnType<typeof setInterval> | undefined;
  private lastSeconds = Infinity;

  constructor(private readonly d: WizardDeps) {}

  get t(): Translator { return this.d.t; }
  set translator(t: Translator) { this.d.t = t; }

  /** Re-renders the current step (after a language change) without moving focus. */
  rerender(): void { this.render(false); }

  show(step: Step): void {
    this.step = step;
    this.d.alerts.clear();
    this.render(true);
  }

  private render(moveFocus: boolean): void {
    const view = this.d.view;
    const content = this.renderStep();
    view.replaceChildren(content);
    view.dataset.step = this.step;
    document.title = `${content.querySelector('h1')?.textContent ?? ''} – Keyhatch`;
    this.updateTimer();
    if (moveFocus) focusStep(view);
  }

  private renderStep(): HTMLElement {
    switch (this.step) {
      case 'who': return this.whoStep();
      case 'method': return this.methodStep();
      case 'contact': return this.contactStep();
      case 'verify': return this.verifyStep();
      case 'action': return this.actionStep();
      case 'password': return this.passwordStep();
      case 'done': return this.doneStep();
      case 'expired': return this.expiredStep();
    }
  }

  // ── steps ──────────────────────────────────────────────────────────────────────────────

  private whoStep(): HTMLElement {
    const t = this.t;
    const user = field({ id: 'username', label: t.t('kiosk.who.username'), help: t.t('kiosk.who.usernameHelp'), autocomplete: 'username', value: this.username, autofocus: true, maxlength: 256 });
    const form = h('form', { novalidate: true }, user.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('common.continue'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = user.input.value.trim();
      if (name === '') return this.fieldError(user.input, t.t('error.required'));
      this.username = name;
      void this.busy(form, async () => {
        const start = await this.d.api.startRecovery(name);
        this.s = { start, used: new Set(), remaining: start.required };
        this.startTimer();
        this.show('method');
      }, user.input);
    });
    return this.stepShell('kiosk.who.heading', t.t('kiosk.who.intro'), form);
  }

  private methodStep(): HTMLElement {
    const t = this.t;
    const s = this.need();
    const factors = remainingFactors(s.start.factors, s.used);
    const intro = s.used.size > 0 ? t.t('kiosk.method.more', { count: s.remaining }) : t.t('kiosk.method.intro');
    if (factors.length === 0) return this.stepShell('kiosk.method.heading', t.t('kiosk.method.none'), this.cancelRow());
    const list = h('ul', { class: 'choices' }, ...factors.map((f, i) => h('li', {},
      h('button', { type: 'button', class: 'choice', 'data-factor': f.type, 'data-autofocus': i === 0, onclick: (e: Event) => this.pickFactor(f, e.currentTarget as HTMLButtonElement) },
        t.t(factorLabelKey(f.type))))));
    return this.stepShell('kiosk.method.heading', intro, list, this.cancelRow());
  }

  private async pickFactor(f: RecoveryFactor, button: HTMLButtonElement): Promise<void> {
    const s = this.need();
    if (needsContact(f.type)) {
      s.factor = f;
      this.show('contact');
      return;
    }
    await this.busy(button.closest('section') ?? button, async () => {
      s.challenge = await this.d.api.challenge(s.start.recoveryId, f.id);
      s.factor = f;
      this.show('verify');
    }, button);
  }

  private contactStep(): HTMLElement {
    const t = this.t;
    const s = this.need();
    const f = s.factor;
    if (!f) return this.methodStep();
    const email = f.type === 'email';
    const input = field({ id: 'contact', label: t.t(email ? 'kiosk.contact.email' : 'kiosk.contact.sms'), type: email ? 'email' : 'tel',
      inputmode: email ? 'email' : 'tel', autocomplete: 'off', autofocus: true, maxlength: 254 });
    const form = h('form', { novalidate: true }, input.wrap, h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t.t('kiosk.contact.send')),
      h('button', { type: 'button', onclick: () => this.show('method') }, t.t('kiosk.verify.other'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const contact = input.input.value.trim();
      if (contact === '') return this.fieldError(input.input, t.t('error.required'));
      void this.busy(form, async () => {
        s.challenge = await this.d.api.challenge(s.start.recoveryId, f.id, contact);
        s.contact = contact;
        this.show('verify');
      }, input.input);
    });
    return this.stepShell('kiosk.contact.heading', t.t('kiosk.contact.intro'), form, this.cancelRow());
  }

  private verifyStep(): HTMLElement {
    const t = this.t;
    const s = this.need();
    const f = s.factor;
    if (!f) return this.methodStep();
    const actions = h('div', { class: 'actions' });
    const form = h('form', { novalidate: true });
    let intro: string;
    let collect: () => unknown;
    let first: HTMLElement | undefined;

    if (f.type === 'questions') {
      intro = t.t('kiosk.verify.questions');
      const inputs = (s.challenge?.questions ?? []).map((q, i) => ({ q, f: field({ id: `answer-${i}`, label: q.text, autofocus: i === 0, autocomplete: 'off' }) }));
      for (const x of inputs) form.append(x.f.wrap);
      first = inputs[0]?.f.input;
      collect = () => ({ answers: inputs.map((x) => ({ id: x.q.id, answer: x.f.input.value })) });
    } else if (f.type === 'webauthn') {
      intro = t.t('kiosk.verify.webauthn');
      collect = () => undefined;
    } else {
      intro = f.type === 'totp' ? t.t('kiosk.verify.totp') : f.type === 'helpdesk' ? t.t('kiosk.verify.helpdesk') : t.t('kiosk.verify.sent', { hint: s.contact ?? '' });
      const code = field({ id: 'code', label: t.t('kiosk.verify.code'), inputmode: 'numeric', autocomplete: 'one-time-code', autofocus: true, maxlength: 32 });
      form.append(code.wrap);
      first = code.input;
      collect = () => code.input.value.replace(/\s+/g, '');
    }

    const submitLabel = f.type === 'webauthn' ? t.t('kiosk.verify.webauthnButton') : t.t('kiosk.verify.submit');
    actions.append(h('button', { type: 'submit', class: 'primary', 'data-autofocus': f.type === 'webauthn' }, submitLabel),
      h('button', { type: 'button', onclick: () => this.show('method') }, t.t('kiosk.verify.other')));
    form.append(actions);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const missing = [...form.querySelectorAll('input')].find((i) => i.value.trim() === '');
      if (missing) return this.fieldError(missing, t.t('error.required'));
      void this.busy(form, async () => {
        let response = collect();
        if (f.type === 'webauthn') {
          try {
            response = await startAuthentication({ optionsJSON: s.challenge?.publicKey as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
          } catch {
            throw new LocalError('kiosk.verify.webauthnFailed');
          }
        }
        const r = await this.d.api.verify(s.start.recoveryId, f.id, response);
        s.used.add(f.id);
        s.remaining = r.remaining;
        if (r.remaining > 0) {
          this.show('method');
          this.d.alerts.say(t.t('kiosk.method.more', { count: r.remaining }));
          return;
        }
        s.status = await this.d.api.status(s.start.recoveryId);
        this.show('action');
      }, first);
    });
    return this.stepShell('kiosk.verify.heading', intro, form, this.cancelRow());
  }

  private actionStep(): HTMLElement {
    const t = this.t;
    const s = this.need();
    const account = s.status?.account;
    const name = s.status?.subject?.displayName ?? s.status?.subject?.accountName ?? this.username;
    const state = account?.locked ? t.t('kiosk.action.locked', { name }) : t.t('kiosk.action.notLocked', { name });
    const actions = actionsFor(account);
    if (actions.length === 0) return this.stepShell('kiosk.action.heading', state, h('p', {}, t.t('kiosk.action.none')), this.cancelRow());
    const list = h('ul', { class: 'choices' }, ...actions.map((a, i) => h('li', {},
      h('button', { type: 'button', class: 'choice', 'data-action': a, 'aria-describedby': `${a}-help`, 'data-autofocus': i === 0,
        onclick: (e: Event) => this.pickAction(a, e.currentTarget as HTMLButtonElement) }, t.t(`kiosk.action.${a}`)),
      h('p', { id: `${a}-help`, class: 'help' }, t.t(a === 'reset' && unlockWithReset(account) ? 'kiosk.action.resetHelpUnlock' : `kiosk.action.${a}Help`)))));
    return this.stepShell('kiosk.action.heading', state, list, this.cancelRow());
  }

  private async pickAction(a: Action, button: HTMLButtonElement): Promise<void> {
    const s = this.need();
    if (a === 'reset') return this.show('password');
    await this.busy(button.closest('section') ?? button, async () => {
      await this.d.api.unlock(s.start.recoveryId);
      s.result = { action: 'unlock', unlocked: true };
      this.finish();
    }, button);
  }

  private passwordStep(): HTMLElement {
    const t = this.t;
    const s = this.need();
    const policy = s.status?.policy;
    const subject = { accountName: s.status?.subject?.accountName, displayName: s.status?.subject?.displayName };
    const pw = field({ id: 'new-password', label: t.t('kiosk.password.new'), type: 'password', autocomplete: 'new-password', autofocus: true });
    const confirm = field({ id: 'confirm-password', label: t.t('kiosk.password.confirm'), type: 'password', autocomplete: 'new-password' });
    pw.input.setAttribute('aria-describedby', 'rules-heading strength-text');
    const toggle = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', 'aria-controls': 'new-password confirm-password' }, t.t('kiosk.password.show'));
    toggle.addEventListener('click', () => {
      const showing = toggle.getAttribute('aria-pressed') !== 'true';
      toggle.setAttribute('aria-pressed', String(showing));
      toggle.textContent = t.t(showing ? 'kiosk.password.hide' : 'kiosk.password.show');
      for (const i of [pw.input, confirm.input]) i.type = showing ? 'text' : 'password';
    });
    const rulesList = h('ul', { class: 'rules', id: 'rules' });
    const meter = h('meter', { id: 'strength', min: 0, max: 4, low: 2, high: 3, optimum: 4, value: 0, 'aria-labelledby': 'strength-label', 'aria-describedby': 'strength-text' });
    const strengthText = h('span', { id: 'strength-text' });
    const summary = h('p', { class: 'sr-only', 'aria-live': 'polite', id: 'rules-summary' });
    let summaryTimer: ReturnType<typeof setTimeout> | undefined;

    const update = (announce: boolean) => {
      if (!policy) return [];
      const rows = checklist(pw.input.value, confirm.input.value, policy, subject);
      rulesList.replaceChildren(...rows.map((r) => h('li', { class: r.ok ? 'ok' : 'bad', id: `rule-${r.id}`, 'data-ok': String(r.ok) },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, r.ok ? '✓' : '✗'), ' ', t.t(r.key, r.params),
        h('span', { class: 'sr-only' }, ` — ${t.t(r.ok ? 'rule.met' : 'rule.notMet')}`))));
      const score = strength(pw.input.value);
      meter.value = score;
      strengthText.textContent = t.t(`strength.${score}`);
      if (announce) {
        clearTimeout(summaryTimer);
        const met = rows.filter((r) => r.ok).length;
        summaryTimer = setTimeout(() => { summary.textContent = t.t('kiosk.password.summary', { met, total: rows.length }); }, 700);
      }
      return rows;
    };
    pw.input.addEventListener('input', () => { pw.input.removeAttribute('aria-invalid'); update(true); });
    confirm.input.addEventListener('input', () => { confirm.input.removeAttribute('aria-invalid'); update(true); });
    update(false);

    const form = h('form', { novalidate: true },
      pw.wrap, confirm.wrap, h('div', { class: 'row' }, toggle),
      h('div', { class: 'strength' }, h('span', { id: 'strength-label' }, t.t('kiosk.password.strength')), ' ', meter, ' ', strengthText),
      h('h2', { id: 'rules-heading' }, t.t('kiosk.password.rules')),
      policy?.source === 'pso' && policy.psoName ? h('p', { class: 'help' }, t.t('kiosk.password.pso', { name: policy.psoName })) : null,
      rulesList,
      policy && policy.historyLength > 0 ? h('p', { class: 'help', id: 'history-note' }, t.t('rule.history', { count: policy.historyLength })) : null,
      summary,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t.t('kiosk.password.submit'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const failing = update(false).filter((r) => !r.ok);
      if (failing.length > 0) {
        const target = failing.every((r) => r.id === 'match') ? confirm.input : pw.input;
        target.setAttribute('aria-invalid', 'true');
        this.d.alerts.error(t.t('kiosk.password.fix'), failing.map((r) => t.t(r.key, r.params)));
        target.focus();
        return;
      }
      void this.busy(form, async () => {
        try {
          const r = await this.d.api.reset(s.start.recoveryId, pw.input.value, unlockWithReset(s.status?.account));
          s.result = { action: 'reset', unlocked: r.unlocked };
          this.finish();
        } catch (err) {
          if (err instanceof ApiError && err.code === 'PASSWORD_POLICY') {
            pw.input.setAttribute('aria-invalid', 'true');
            this.d.alerts.error(t.t('error.PASSWORD_POLICY'), err.violations.map((v) => t.t(violationKey(v.code), { min: policy?.minLength ?? '', max: policy?.maxLength ?? '', count: policy?.historyLength ?? '' })));
            pw.input.select();
            pw.input.focus();
            return;
          }
          throw err;
        }
      }, pw.input);
    });
    return this.stepShell('kiosk.password.heading', undefined, form, this.cancelRow());
  }

  private doneStep(): HTMLElement {
    const t = this.t;
    const r = this.s?.result;
    const reset = r?.action === 'reset';
    const heading = reset ? 'kiosk.done.reset.heading' : 'kiosk.done.unlocked.heading';
    const back = h('button', { type: 'button', class: 'primary', 'data-autofocus': true, onclick: () => this.leave() }, t.t('kiosk.done.return'));
    return this.stepShell(heading, undefined,
      reset && r?.unlocked ? h('p', {}, t.t('kiosk.done.resetUnlocked')) : null,
      h('p', { class: 'instructions' }, t.t(reset ? 'kiosk.done.signInNew' : 'kiosk.done.signInOld')),
      h('div', { class: 'actions' }, back));
  }

  private expiredStep(): HTMLElement {
    const t = this.t;
    return this.stepShell('kiosk.expired.heading', t.t('kiosk.expired.text'),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'data-autofocus': true, onclick: () => this.restart() }, t.t('kiosk.startAgain'))));
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────

  private stepShell(headingKey: string, intro: string | undefined, ...body: Array<Node | null>): HTMLElement {
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' },
      h('h1', { id: 'step-heading' }, this.t.t(headingKey)), intro ? h('p', { class: 'intro' }, intro) : null, ...body);
  }

  private cancelRow(): HTMLElement {
    return h('div', { class: 'secondary-actions' }, h('button', { type: 'button', class: 'link', onclick: () => this.restart() }, this.t.t('kiosk.cancel')));
  }

  private need(): Session {
    if (!this.s) throw new Error('no recovery session');
    return this.s;
  }

  private fieldError(input: HTMLInputElement, message: string): void {
    input.setAttribute('aria-invalid', 'true');
    this.d.alerts.error(message);
    input.focus();
  }

  /** Runs a request with the form marked busy; errors become translated alerts. */
  private async busy(form: HTMLElement, fn: () => Promise<void>, refocus?: HTMLElement): Promise<void> {
    this.d.alerts.clear();
    setBusy(form, true);
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SESSION_EXPIRED') return this.expire();
      this.d.alerts.error(err instanceof LocalError ? this.t.t(err.key) : errorText(this.t, err));
      if (refocus instanceof HTMLInputElement && err instanceof ApiError && err.code === 'VERIFICATION_FAILED') { refocus.value = ''; refocus.setAttribute('aria-invalid', 'true'); }
      if (refocus?.isConnected) refocus.focus();
    } finally {
      if (form.isConnected) setBusy(form, false);
      if (refocus?.isConnected && document.activeElement === document.body) refocus.focus();
    }
  }

  private finish(): void {
    this.stopTimer();
    this.show('done');
  }

  /** Leaves the kiosk from any step (the done step's button and the shared "Back to sign-in"). */
  leave(): void {
    this.restart();
    this.d.exit?.();
  }

  /** Back to the first step; the server-side session is cancelled. */
  restart(): void {
    const s = this.s;
    this.s = undefined;
    this.stopTimer();
    if (s && !s.result) void this.d.api.cancel(s.start.recoveryId).catch(() => undefined);
    this.username = '';
    this.show('who');
  }

  private expire(): void {
    const s = this.s;
    this.s = undefined;
    this.stopTimer();
    if (s) void this.d.api.cancel(s.start.recoveryId).catch(() => undefined);
    this.show('expired');
    this.d.alerts.error(this.t.t('error.SESSION_EXPIRED'));
  }

  private startTimer(): void {
    this.stopTimer();
    this.lastSeconds = Infinity;
    this.tick = setInterval(() => this.updateTimer(), 1000);
    this.updateTimer();
  }

  private stopTimer(): void {
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
    this.updateTimer();
  }

  private updateTimer(): void {
    const timer = this.d.timer;
    if (!this.s || this.tick === undefined) { timer.hidden = true; return; }
    const left = secondsLeft(this.s.start.expiresAt, (this.d.now ?? Date.now)());
    timer.hidden = false;
    timer.textContent = this.t.t('kiosk.timer', { time: formatSeconds(left) });
    timer.classList.toggle('warning', isWarning(left));
    const crossed = crossedThreshold(this.lastSeconds, left);
    this.lastSeconds = left;
    if (left <= 0) return this.expire();
    if (crossed !== undefined) this.d.alerts.say(this.t.t('kiosk.timerWarning', { time: formatSeconds(left) }));
  }
}

/** An error whose message is a local key (not from the API). */
class LocalError extends Error {
  constructor(readonly key: string) { super(key); }
}
