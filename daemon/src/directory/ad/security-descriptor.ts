// Just enough of the Windows self-relative security descriptor format to evaluate whether a set of
// SIDs holds an extended right on an object: `doctor` uses it to prove Reset Password.
import { sidToString } from './sid.js';

export const ACE_TYPE = { ALLOWED: 0x00, DENIED: 0x01, ALLOWED_OBJECT: 0x05, DENIED_OBJECT: 0x06 } as const;
const INHERIT_ONLY = 0x08;
const OBJECT_TYPE_PRESENT = 0x1;
const INHERITED_OBJECT_TYPE_PRESENT = 0x2;

export const RIGHT = {
  CONTROL_ACCESS: 0x100,
  READ_PROPERTY: 0x10,
  WRITE_PROPERTY: 0x20,
  GENERIC_ALL: 0x10000000,
  FULL_CONTROL: 0x000f01ff,
} as const;

export interface Ace {
  type: number;
  flags: number;
  mask: number;
  sid: string;
  objectType?: string;
  inheritedObjectType?: string;
}

/** GUIDs are stored little-endian in the first three groups. */
export function guidFromBytes(b: Buffer): string {
  const hex = (buf: Buffer) => buf.toString('hex');
  const le = (start: number, len: number) => hex(Buffer.from(b.subarray(start, start + len)).reverse());
  return `${le(0, 4)}-${le(4, 2)}-${le(6, 2)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

export function parseDacl(sd: Buffer): Ace[] {
  if (sd.length < 20) throw new Error('security descriptor too short');
  const daclOffset = sd.readUInt32LE(16);
  if (daclOffset === 0) return [];
  const aceCount = sd.readUInt16LE(daclOffset + 4);
  const aces: Ace[] = [];
  let p = daclOffset + 8;
  for (let i = 0; i < aceCount; i++) {
    const type = sd[p] as number;
    const flags = sd[p + 1] as number;
    const size = sd.readUInt16LE(p + 2);
    const mask = sd.readUInt32LE(p + 4);
    let q = p + 8;
    const ace: Ace = { type, flags, mask, sid: '' };
    if (type === ACE_TYPE.ALLOWED_OBJECT || type === ACE_TYPE.DENIED_OBJECT) {
      const objFlags = sd.readUInt32LE(q);
      q += 4;
      if (objFlags & OBJECT_TYPE_PRESENT) { ace.objectType = guidFromBytes(sd.subarray(q, q + 16)); q += 16; }
      if (objFlags & INHERITED_OBJECT_TYPE_PRESENT) { ace.inheritedObjectType = guidFromBytes(sd.subarray(q, q + 16)); q += 16; }
    }
    if (type <= ACE_TYPE.DENIED_OBJECT && type !== 0x02 && type !== 0x03 && type !== 0x04) {
      ace.sid = sidToString(sd.subarray(q, p + size));
      aces.push(ace);
    }
    p += size;
  }
  return aces;
}

/**
 * Does anyone in `sids` hold control access `rightGuid` on the object this DACL protects?
 * Canonical order is assumed (explicit deny, explicit allow, inherited deny, inherited allow),
 * so the first matching ACE decides, as Windows does.
 */
export function holdsExtendedRight(aces: readonly Ace[], sids: ReadonlySet<string>, rightGuid: string): boolean {
  for (const ace of aces) {
    if (ace.flags & INHERIT_ONLY || !sids.has(ace.sid)) continue;
    const grantsAll = (ace.mask & RIGHT.GENERIC_ALL) !== 0 || (ace.mask & RIGHT.FULL_CONTROL) === RIGHT.FULL_CONTROL;
    const controlAccess = (ace.mask & RIGHT.CONTROL_ACCESS) !== 0;
    const objectMatches = ace.objectType === undefined || ace.objectType.toLowerCase() === rightGuid.toLowerCase();
    const applies = (grantsAll && (ace.type === ACE_TYPE.ALLOWED || ace.type === ACE_TYPE.DENIED)) || (controlAccess && objectMatches);
    if (!applies) continue;
    return ace.type === ACE_TYPE.ALLOWED || ace.type === ACE_TYPE.ALLOWED_OBJECT;
  }
  return false;
}
