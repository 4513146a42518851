import assert from 'node:assert/strict';
import { guidFromBytes, holdsExtendedRight, parseDacl, ACE_TYPE } from '../../../daemon/src/directory/ad/security-descriptor.js';
import { sidToBuffer, sidToString } from '../../../daemon/src/directory/ad/sid.js';
import { privilegedGroupsIn } from '../../../daemon/src/directory/ad/privileged.js';

const RESET = '00299570-246d-11d0-a768-00aa006e0529';
const USER = 'bf967aba-0de6-11d0-a285-00aa003049e2';

function guidBytes(g: string): Buffer {
  const h = g.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

function ace(type: number, flags: number, mask: number, sid: string, objectType?: string, inherited?: string): Buffer {
  const parts: Buffer[] = [];
  const m = Buffer.alloc(4); m.writeUInt32LE(mask);
  if (type === ACE_TYPE.ALLOWED_OBJECT || type === ACE_TYPE.DENIED_OBJECT) {
    const f = Buffer.alloc(4); f.writeUInt32LE((objectType ? 1 : 0) | (inherited ? 2 : 0));
    parts.push(f);
    if (objectType) parts.push(guidBytes(objectType));
    if (inherited) parts.push(guidBytes(inherited));
  }
  parts.push(sidToBuffer(sid));
  const body = Buffer.concat([m, ...parts]);
  const head = Buffer.alloc(4); head[0] = type; head[1] = flags; head.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([head, body]);
}

function sd(aces: Buffer[]): Buffer {
  const acesBuf = Buffer.concat(aces);
  const acl = Buffer.alloc(8); acl[0] = 4; acl.writeUInt16LE(8 + acesBuf.length, 2); acl.writeUInt16LE(aces.length, 4);
  const header = Buffer.alloc(20); header[0] = 1; header.writeUInt16LE(0x8004, 2); header.writeUInt32LE(20, 16);
  return Buffer.concat([header, acl, acesBuf]);
}

const SVC = 'S-1-5-21-1-2-3-1105';
const OTHER = 'S-1-5-21-1-2-3-1200';

describe('security descriptor evaluation', () => {
  it('round-trips SIDs and GUIDs', () => {
    assert.equal(sidToString(sidToBuffer('S-1-5-21-2088156387-1899198940-2469289774-512')), 'S-1-5-21-2088156387-1899198940-2469289774-512');
    assert.equal(guidFromBytes(guidBytes(RESET)), RESET);
  });
  it('grants Reset Password from an inherited object ACE for one of the token SIDs', () => {
    const aces = parseDacl(sd([ace(ACE_TYPE.ALLOWED_OBJECT, 0x10, 0x100, SVC, RESET, USER)]));
    assert.equal(aces[0]?.objectType, RESET);
    assert.equal(holdsExtendedRight(aces, new Set([SVC]), RESET), true);
    assert.equal(holdsExtendedRight(aces, new Set([OTHER]), RESET), false);
  });
  it('ignores inherit-only ACEs, other extended rights, and honours an earlier deny', () => {
    const other = '00299570-246d-11d0-a768-00aa006e0530';
    assert.equal(holdsExtendedRight(parseDacl(sd([ace(ACE_TYPE.ALLOWED_OBJECT, 0x08, 0x100, SVC, RESET)])), new Set([SVC]), RESET), false);
    assert.equal(holdsExtendedRight(parseDacl(sd([ace(ACE_TYPE.ALLOWED_OBJECT, 0, 0x100, SVC, other)])), new Set([SVC]), RESET), false);
    assert.equal(holdsExtendedRight(parseDacl(sd([ace(ACE_TYPE.DENIED_OBJECT, 0, 0x100, SVC, RESET), ace(ACE_TYPE.ALLOWED, 0, 0x000f01ff, SVC)])), new Set([SVC]), RESET), false);
    assert.equal(holdsExtendedRight(parseDacl(sd([ace(ACE_TYPE.ALLOWED, 0, 0x000f01ff, SVC)])), new Set([SVC]), RESET), true, 'full control');
    assert.equal(holdsExtendedRight(parseDacl(sd([ace(ACE_TYPE.ALLOWED, 0, 0x100, SVC)])), new Set([SVC]), RESET), true, 'all extended rights');
  });
});

describe('privileged groups', () => {
  const dom = 'S-1-5-21-1-2-3';
  it('recognises domain RIDs only in the account\'s domain, builtin groups, and configured SIDs', () => {
    assert.deepEqual(privilegedGroupsIn([`${dom}-513`, `${dom}-512`], `${dom}-1105`), ['Domain Admins']);
    assert.deepEqual(privilegedGroupsIn(['S-1-5-32-544', 'S-1-5-32-551'], `${dom}-1105`), ['Administrators', 'Backup Operators']);
    assert.deepEqual(privilegedGroupsIn(['S-1-5-21-9-9-9-512'], `${dom}-1105`), []);
    assert.deepEqual(privilegedGroupsIn(['S-1-5-21-9-9-9-519'], `${dom}-1105`), ['Enterprise Admins']);
    assert.deepEqual(privilegedGroupsIn([`${dom}-2000`], `${dom}-1105`, [`${dom}-2000`]), [`${dom}-2000`]);
    assert.deepEqual(privilegedGroupsIn([`${dom}-513`, 'S-1-5-32-545'], `${dom}-1105`), []);
  });
});
