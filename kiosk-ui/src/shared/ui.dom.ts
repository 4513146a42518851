// DOM helpers shared by the kiosk wizard and the enrollment portal. No framework: a tiny h()
// builder, form fields with labels and help text, one alert region, focus handling, the
// language picker and message loading. Everything respects the CSP (no inline script or style).
import { ApiError, NETWORK_ERROR, errorKey } from './api.js';
import { LANGUAGE_NAMES, Translator, negotiateLocale, type Messages, type Params } from './i18n.js';

type Child = Node | string | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

export interface FieldOptions {
  id: string; label: string; type?: string; autocomplete?: string; help?: string;
  inputmode?: string; value?: string; required?: boolean; autofocus?: boolean; maxlength?: number;
}

/** A labelled input with optional help text wired through aria-describedby. */
export function field(o: FieldOptions): { wrap: HTMLDivElement; input: HTMLInputElement } {
  const helpId = o.help ? `${o.id}-help` : undefined;
  const input = h('input', {
    id: o.id, name: o.id, type: o.type ?? 'text', autocomplete: o.autocomplete ?? 'off', inputmode: o.inputmode,
    'aria-describedby': helpId, required: o.required ?? true, spellcheck: 'false', autocapitalize: 'off',
    maxlength: o.maxlength, 'data-autofocus': o.autofocus,
  });
  if (o.value !== undefined) input.value = o.value;
  const wrap = h('div', { class: 'field' }, h('label', { for: o.id }, o.label), o.help ? h('p', { id: helpId, class: 'help' }, o.help) : null, input);
  return { wrap, input };
}

/** The page's single alert region (role=alert, present from the start so it is announced). */
export class Alerts {
  constructor(private readonly region: HTMLElement, private readonly polite: HTMLElement) {}
  clear(): void { this.region.replaceChildren(); }
  error(text: string, details: string[] = []): void {
    this.region.replaceChildren(h('p', {}, text), ...(details.length ? [h('ul', {}, ...details.map((d) => h('li', {}, d)))] : []));
  }
  /** Polite announcement (progress, countdown thresholds, live rule summary). */
  say(text: string): void {
    // Changing the text node is what screen readers pick up; clear first so a repeat is re-read.
    this.polite.textContent = '';
    requestAnimationFrame(() => { this.polite.textContent = text; });
  }
}

/** Message text for an API error, by code (never the server's English text). */
export function errorText(t: Translator, err: unknown): string {
  if (err instanceof ApiError) return t.t(err.code === NETWORK_ERROR ? 'error.network' : errorKey(err.code, (k) => t.has(k)));
  return t.t('error.INTERNAL');
}

/** Puts focus where a new step starts: the first field marked data-autofocus, else the heading. */
export function focusStep(view: HTMLElement): void {
  const target = view.querySelector<HTMLElement>('[data-autofocus]') ?? view.querySelector<HTMLElement>('h1');
  if (!target) return;
  if (target.tagName === 'H1') target.setAttribute('tabindex', '-1');
  target.focus();
}

export async function loadMessages(locale: string): Promise<Messages> {
  const res = await fetch(`locales/${encodeURIComponent(locale)}.json`, { cache: 'force-cache' });
  if (!res.ok) throw new Error(`messages for ${locale}: HTTP ${res.status}`);
  return (await res.json()) as Messages;
}

/** Loads the chosen locale (with English as the fallback for any missing key). */
export async function translatorFor(locale: string): Promise<Translator> {
  const [messages, fallback] = await Promise.all([loadMessages(locale), locale === 'en' ? Promise.resolve({}) : loadMessages('en')]);
  return new Translator(locale, messages, fallback);
}

export function preferredLocales(bridgeLocale: string | null | undefined, defaultLocale: string): Array<string | null | undefined> {
  return [new URLSearchParams(location.search).get('lang'), bridgeLocale, ...navigator.languages, defaultLocale];
}

export function chooseLocale(bridgeLocale: string | null | undefined, locales: string[], defaultLocale: string): string {
  return negotiateLocale(preferredLocales(bridgeLocale, defaultLocale), locales, defaultLocale);
}

/** Fills the language <select>; calls onPick with the new locale. */
export function languagePicker(select: HTMLSelectElement, locales: string[], current: string, onPick: (locale: string) => void): void {
  select.replaceChildren(...locales.map((l) => h('option', { value: l, lang: l, selected: l === current }, LANGUAGE_NAMES[l] ?? l)));
  select.value = current;
  select.addEventListener('change', () => onPick(select.value));
}

export function setBusy(form: HTMLElement, busy: boolean): void {
  form.setAttribute('aria-busy', String(busy));
  for (const b of form.querySelectorAll<HTMLButtonElement>('button')) b.disabled = busy;
}

export function tx(t: Translator, key: string, params?: Params): string { return t.t(key, params); }
