// Messages and locale choice shared by the kiosk, the portal and (through locales/*.json) the
// credential provider. Plain module: no DOM, no Node.

export type Messages = Readonly<Record<string, string>>;
export type Params = Readonly<Record<string, string | number>>;

export const FALLBACK_LOCALE = 'en';

/**
 * The first of `preferred` (BCP 47 tags, most preferred first: the user's pick, the system/GPO
 * locale, the browser's languages) that `available` has — exact tag first, then its language —
 * else `fallback`.
 */
export function negotiateLocale(preferred: ReadonlyArray<string | null | undefined>, available: readonly string[], fallback = FALLBACK_LOCALE): string {
  const have = new Map(available.map((a) => [a.toLowerCase(), a]));
  for (const tag of preferred) {
    if (!tag) continue;
    const norm = tag.replace(/_/g, '-').toLowerCase();
    const exact = have.get(norm);
    if (exact) return exact;
    const lang = have.get(norm.split('-')[0] ?? '');
    if (lang) return lang;
  }
  return have.get(fallback.toLowerCase()) ?? available[0] ?? fallback;
}

/** Replaces `{name}` with params.name; unknown placeholders stay visible so a gap is noticed. */
export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}

export class Translator {
  constructor(readonly locale: string, private readonly messages: Messages, private readonly fallback: Messages = {}) {}

  has(key: string): boolean { return key in this.messages || key in this.fallback; }

  t(key: string, params?: Params): string {
    const template = this.messages[key] ?? this.fallback[key];
    return template === undefined ? key : format(template, params);
  }
}

/** Endonyms for the language picker (always shown in their own language). */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', nl: 'Nederlands',
};
