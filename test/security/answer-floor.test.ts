// The start answer's floor (recovery/answer-floor.ts) on a virtual clock: answers faster than the
// recent quantile wait for it, slower ones are not held, errors wait like answers, the cap holds.
import assert from 'node:assert/strict';
import { AnswerFloor } from '../../daemon/src/recovery/answer-floor.js';

function virtual() {
  let now = 0;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => { slept.push(ms); now += ms; },
    /** Work that takes `ms` on the virtual clock. */
    work: <T>(ms: number, v: T) => async () => { now += ms; return v; },
    slept,
  };
}

describe('answer floor', () => {
  it('holds fast answers to the 90th percentile of recent durations, whatever they return', async () => {
    const v = virtual();
    const f = new AnswerFloor({ clock: v.clock, sleep: v.sleep });
    for (let i = 1; i <= 100; i++) await f.hold(v.work(i, null)); // durations 1..100 ms
    assert.equal(f.floor(), 91);
    v.slept.length = 0;
    assert.equal(await f.hold(v.work(20, 'fast')), 'fast');
    assert.deepEqual(v.slept, [71], 'a 20 ms answer waits until 91 ms');
    v.slept.length = 0;
    await f.hold(v.work(150, 'slow'));
    assert.deepEqual(v.slept, [], 'an answer slower than the floor is not held');
  });

  it('holds errors like answers (a refusal must not leave earlier than a success)', async () => {
    const v = virtual();
    const f = new AnswerFloor({ clock: v.clock, sleep: v.sleep });
    for (let i = 0; i < 50; i++) await f.hold(v.work(40, null));
    v.slept.length = 0;
    await assert.rejects(f.hold(async () => { await v.work(5, null)(); throw new Error('refused'); }), /refused/);
    assert.deepEqual(v.slept, [35]);
  });

  it('never holds longer than maxMs and forgets durations beyond its window', async () => {
    const v = virtual();
    const f = new AnswerFloor({ clock: v.clock, sleep: v.sleep, maxMs: 500, window: 10 });
    for (let i = 0; i < 10; i++) await f.hold(v.work(10_000, null)); // a stalled directory
    v.slept.length = 0;
    await f.hold(v.work(1, null));
    assert.deepEqual(v.slept, [499], 'capped at maxMs');
    for (let i = 0; i < 10; i++) await f.hold(v.work(3, null));
    assert.equal(f.floor(), 3, 'the stall has left the window');
  });

  it('does not hold the first answers (nothing measured yet)', async () => {
    const v = virtual();
    const f = new AnswerFloor({ clock: v.clock, sleep: v.sleep });
    await f.hold(v.work(7, null));
    assert.deepEqual(v.slept, []);
  });
});
