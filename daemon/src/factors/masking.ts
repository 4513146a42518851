// Hints shown on screen: enough for a person to recognise their own address, not to learn it.
const DOT = '•••';

export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return DOT;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const lastDot = domain.lastIndexOf('.');
  const tld = lastDot > 0 ? domain.slice(lastDot) : '';
  return `${[...local][0] ?? ''}${DOT}@${[...domain][0] ?? ''}${DOT}${tld}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `•••• ${digits.slice(-4)}`;
}

/** E.164 after removing spaces, dots, dashes and brackets; undefined when it is not a plausible number. */
export function normalisePhone(phone: string): string | undefined {
  const p = phone.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(p) ? p : undefined;
}

export function plausibleEmail(address: string): boolean {
  return address.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(address);
}
