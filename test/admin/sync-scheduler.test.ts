// The periodic scheduler: rounds never overlap, every directory is synced, a failing one does not
// stop the others, and stop() waits for a running round. (The sync itself is tested against Samba
// in sync.test.ts; here the engine is a recorder, since only timing and ordering are in question.)
import assert from 'node:assert/strict';
import { SyncScheduler } from '../../daemon/src/admin/sync/scheduler.js';
import type { SyncEngine } from '../../daemon/src/admin/sync/sync-engine.js';
import { silentLogger } from '../../daemon/src/log/logger.js';

describe('sync scheduler', () => {
  it('runs every directory each round, one round at a time, survives a failing directory, stops cleanly', async () => {
    const calls: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const engine = {
      directoryIds: ['a', 'b'],
      async sync(id: string) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        calls.push(id);
        await new Promise((r) => setTimeout(r, 15));
        running--;
        if (id === 'a') throw new Error('unreachable');
        return {};
      },
    } as unknown as SyncEngine;
    const s = new SyncScheduler(engine, 5, silentLogger);
    s.start();
    while (calls.length < 6) await new Promise((r) => setTimeout(r, 5));
    await s.stop();
    const n = calls.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, n, 'nothing runs after stop()');
    assert.equal(maxRunning, 1, 'rounds and directories never overlap');
    assert.deepEqual(calls.slice(0, 6), ['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('interval 0 turns periodic sync off', async () => {
    let called = false;
    const s = new SyncScheduler({ directoryIds: ['a'], sync: async () => { called = true; } } as unknown as SyncEngine, 0, silentLogger);
    s.start();
    await new Promise((r) => setTimeout(r, 30));
    await s.stop();
    assert.equal(called, false);
  });
});
