// What every console page gets: the API, the translator, the alert regions, the signed-in user,
// and a way to re-render itself (after an action, or when the language changes).
import type { Translator } from '../../kiosk-ui/src/shared/i18n.js';
import type { Alerts } from '../../kiosk-ui/src/shared/ui.dom.js';
import type { AdminApi, Role } from './admin-api.js';

export interface PageContext {
  readonly api: AdminApi;
  readonly t: Translator;
  readonly alerts: Alerts;
  readonly role: Role;
  /** Renders the current page again (state kept by the page object); focus goes to its start unless told otherwise. */
  rerender(moveFocus?: boolean): Promise<void>;
  /** Runs an action with busy state and error display; false when it failed. */
  busy(scope: HTMLElement, fn: () => Promise<void>, refocus?: HTMLElement): Promise<boolean>;
}

export interface ConsolePage {
  /** Message key of the page's name (navigation and heading). */
  readonly titleKey: string;
  readonly roles: readonly Role[];
  render(ctx: PageContext): Promise<HTMLElement>;
}

/** Local date and time in the page's language. */
export function when(t: Translator, iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(t.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A data table in a keyboard-focusable region that scrolls sideways by itself at high zoom (WCAG 1.4.10 allows it for tables). */
export function tableRegion(label: string, table: HTMLElement): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', label);
  wrap.append(table);
  return wrap;
}
