import assert from 'node:assert/strict';
import { RecentResets } from '../../daemon/src/platform/recent-resets.js';

describe('recent resets (for "Sign in with your new password")', () => {
  it('lists SIDs noted within the window, drops expired and malformed ones, and caps the list', () => {
    let t = 0;
    const r = new RecentResets(1000, 3, () => t);
    r.note('S-1-5-21-10-20-30-1104');
    r.note('not a sid,S-1-5-18');
    r.note('S-1-5-21-10-20-30-1104'); // refresh, no duplicate
    assert.deepEqual(r.list(), ['S-1-5-21-10-20-30-1104']);
    t = 900;
    r.note('S-1-5-21-10-20-30-1105');
    t = 1001;
    assert.deepEqual(r.list(), ['S-1-5-21-10-20-30-1105'], 'the first expired');
    for (const n of [6, 7, 8]) r.note(`S-1-5-21-10-20-30-110${n}`);
    assert.deepEqual(r.list(), ['S-1-5-21-10-20-30-1106', 'S-1-5-21-10-20-30-1107', 'S-1-5-21-10-20-30-1108']);
  });
});
