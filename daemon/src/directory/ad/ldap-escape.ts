// RFC 4515 filter-value escaping and RFC 4514 DN handling. Every value that comes from a user or
// from the directory goes through these before it becomes part of a filter or a DN.

/**
 * Escapes a value for use inside an LDAP filter assertion (RFC 4515 §3): `*`, `(`, `)`, `\`, NUL
 * and every other control character become \XX. Non-ASCII stays UTF-8 (RFC 4515 UTFMB), because
 * Samba does not match multi-byte characters given as escaped octets while AD accepts both.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    out += code < 0x20 || code === 0x7f || ch === '*' || ch === '(' || ch === ')' || ch === '\\'
      ? `\\${code.toString(16).padStart(2, '0')}`
      : ch;
  }
  return out;
}

/** Escapes an attribute value for use in a DN's RDN (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((c, i) => {
    const code = c.codePointAt(0) ?? 0;
    if (code === 0) out += '\\00';
    else if ('"+,;<>\\='.includes(c)) out += `\\${c}`;
    else if ((i === 0 && (c === ' ' || c === '#')) || (i === chars.length - 1 && c === ' ')) out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).padStart(2, '0')}`;
    else out += c;
  });
  return out;
}

export interface Rdn { readonly type: string; readonly value: string }

/** Parses a DN string (RFC 4514) into RDNs; throws on malformed input. Multi-valued RDNs are kept as one joined value. */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let i = 0;
  const n = dn.length;
  if (n === 0) return rdns;
  while (i < n) {
    let type = '';
    while (i < n && dn[i] !== '=') type += dn[i++];
    if (i >= n) throw new Error(`malformed DN: missing '=' in "${type.trim()}"`);
    i++;
    const bytes: number[] = [];
    let pendingSpaces: number[] = [];
    while (i < n && dn[i] !== ',' && dn[i] !== ';' && dn[i] !== '+') {
      const c = dn[i] as string;
      if (c === '\\') {
        const next = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(next)) { bytes.push(...pendingSpaces, parseInt(next, 16)); i += 3; }
        else if (i + 1 < n) { bytes.push(...pendingSpaces, ...Buffer.from(dn[i + 1] as string, 'utf8')); i += 2; }
        else throw new Error('malformed DN: trailing backslash');
        pendingSpaces = [];
        continue;
      }
      if (c === ' ') { if (bytes.length > 0) pendingSpaces.push(0x20); i++; continue; }
      bytes.push(...pendingSpaces, ...Buffer.from(c, 'utf8'));
      pendingSpaces = [];
      i++;
    }
    if (dn[i] === '+') throw new Error('multi-valued RDNs are not supported here');
    rdns.push({ type: type.trim(), value: Buffer.from(bytes).toString('utf8') });
    if (i < n) i++;
  }
  for (const r of rdns) if (!/^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)$/.test(r.type)) throw new Error(`malformed DN: bad attribute type "${r.type}"`);
  return rdns;
}

/** Canonical form for comparing DNs: types upper-cased, values escaped consistently and case-folded (AD DNs compare case-insensitively). */
export function normalizeDn(dn: string): string {
  return parseDn(dn).map((r) => `${r.type.toUpperCase()}=${escapeDnValue(r.value).toLowerCase()}`).join(',');
}

/** True when `dn` equals `base` or lies below it. */
export function isDnWithin(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return d === b || d.endsWith(`,${b}`);
}

/** DC=example,DC=com → example.com */
export function dnToDnsDomain(dn: string): string {
  return parseDn(dn).filter((r) => r.type.toUpperCase() === 'DC').map((r) => r.value).join('.').toLowerCase();
}
