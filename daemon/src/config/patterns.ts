// Patterns shared by the schema (schema.ts, zod) and the relay's hand-written validator
// (relay-config.ts), so both accept exactly the same values.
export const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
export const GATEWAY_PIN = /^sha256\/[A-Za-z0-9+/]{43}=$/;
export const KIOSK_ACCOUNT = /^[A-Za-z0-9_-]{1,20}$/;
export const LANGUAGE_TAG = /^[a-z]{2}(-[A-Z]{2})?$/;
/** kiosk.hostName: a DNS name with at least two labels (it must sit under webauthn.rpId). */
export const KIOSK_HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** A workstation's domain as a relay reports it at join: a NetBIOS or DNS name. */
export const DOMAIN_NAME = /^[A-Za-z0-9.-]{1,255}$/;
export const DEFAULT_LISTEN = '127.0.0.1:7788';
export const DEFAULT_KIOSK_EXECUTABLE = 'C:\\Program Files\\Keyhatch\\kiosk\\Keyhatch Kiosk.exe';

export function isHttpsUrl(u: string): boolean {
  try { const p = new URL(u); return p.protocol === 'https:' && p.hostname !== ''; } catch { return false; }
}
