// CSV for spreadsheets, safe against formula injection (OWASP "CSV Injection"): a cell that starts
// with = + - @ (or a tab / carriage return) gets a leading apostrophe so a spreadsheet shows it as
// text instead of running it; every cell is quoted.
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
