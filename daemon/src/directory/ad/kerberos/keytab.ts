// MIT keytab files, format 0x0502 (what ktpass, samba-tool domain exportkeytab and ktutil write):
// a version, then entries each prefixed by a signed 32-bit size (negative: a hole to skip).
import { readFileSync, statSync } from 'node:fs';
import { unreadableConfiguredFile } from '../../../config/configured-file.js';
import { KeyhatchError } from '../../../errors/catalogue.js';

export interface KeytabEntry {
  readonly realm: string;
  readonly components: readonly string[];
  readonly nameType: number;
  readonly kvno: number;
  readonly etype: number;
  readonly key: Buffer;
}

export class KeytabError extends Error {}

export function parseKeytab(buf: Buffer): KeytabEntry[] {
  if (buf.length < 2 || buf[0] !== 0x05) throw new KeytabError('not a keytab file');
  if (buf[1] !== 0x02) throw new KeytabError(`keytab version 0x05${(buf[1] ?? 0).toString(16).padStart(2, '0')} is not supported (only 0x0502)`);
  const entries: KeytabEntry[] = [];
  let p = 2;
  while (p + 4 <= buf.length) {
    const size = buf.readInt32BE(p);
    p += 4;
    if (size === 0) break;
    const end = p + Math.abs(size);
    if (end > buf.length) throw new KeytabError('keytab entry runs past the end of the file');
    if (size > 0) entries.push(parseEntry(buf.subarray(p, end)));
    p = end;
  }
  return entries;
}

function parseEntry(e: Buffer): KeytabEntry {
  let p = 0;
  const need = (n: number) => { if (p + n > e.length) throw new KeytabError('truncated keytab entry'); };
  const u8 = () => { need(1); return e.readUInt8(p++); };
  const u16 = () => { need(2); const v = e.readUInt16BE(p); p += 2; return v; };
  const u32 = () => { need(4); const v = e.readUInt32BE(p); p += 4; return v; };
  const data = () => { const n = u16(); need(n); const v = e.subarray(p, p + n); p += n; return v; };
  const count = u16();
  const realm = data().toString('utf8');
  const components = Array.from({ length: count }, () => data().toString('utf8'));
  const nameType = u32();
  u32(); // timestamp
  let kvno = u8();
  const etype = u16();
  const key = Buffer.from(data());
  // The 32-bit kvno that follows in newer files wins over the 8-bit one when present and non-zero.
  if (e.length - p >= 4) { const k = u32(); if (k !== 0) kvno = k; }
  return { realm, components, nameType, kvno, etype, key };
}

/** Reads the keytab the configuration names; refused when group or others may read it (POSIX). */
export function loadKeytab(file: string, key = 'adminConsole.negotiate.keytabFile'): KeytabEntry[] {
  let buf: Buffer;
  try {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${key}: ${file} may be read by other users (chmod 600 it, owned by the service account)` });
    }
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof KeyhatchError) throw err;
    throw unreadableConfiguredFile(key, file, err);
  }
  try {
    return parseKeytab(buf);
  } catch (err) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${key}: ${(err as Error).message}` });
  }
}
