// Binary SID (as returned in objectSid / tokenGroups) ↔ string form S-1-5-21-…

export function sidToString(buf: Buffer): string {
  if (buf.length < 8) throw new Error('SID too short');
  const revision = buf[0] as number;
  const subCount = buf[1] as number;
  if (buf.length < 8 + subCount * 4) throw new Error('SID truncated');
  const authority = buf.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < subCount; i++) subs.push(buf.readUInt32LE(8 + i * 4));
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

export function sidToBuffer(sid: string): Buffer {
  const parts = sid.split('-');
  if (parts[0] !== 'S' || parts.length < 3) throw new Error(`not a SID: ${sid}`);
  const subs = parts.slice(3).map((p) => Number(p));
  const buf = Buffer.alloc(8 + subs.length * 4);
  buf[0] = Number(parts[1]);
  buf[1] = subs.length;
  buf.writeUIntBE(Number(parts[2]), 2, 6);
  subs.forEach((s, i) => buf.writeUInt32LE(s, 8 + i * 4));
  return buf;
}

export function ridOf(sid: string): number {
  return Number(sid.slice(sid.lastIndexOf('-') + 1));
}

/** The domain part of a domain account/group SID (everything before the RID). */
export function domainOf(sid: string): string {
  return sid.slice(0, sid.lastIndexOf('-'));
}
