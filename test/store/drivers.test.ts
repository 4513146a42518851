// Node-version readiness: the SQLite driver and the argon2id engine this Node picks, and hashes
// that verify across both argon2 engines (Node 24 has both: built-in crypto.argon2 and the npm package).
import assert from 'node:assert/strict';
import { sqliteDriverName } from '../../daemon/src/store/sqlite-driver.js';
import { SqliteStore } from '../../daemon/src/store/sqlite-store.js';
import { argon2Engine, availableArgon2Engines, hashArgon2id, verifyArgon2id } from '../../daemon/src/secrets/argon2id.js';
import { freshDir } from '../support/run-dir.js';

const nodeMajor = Number(process.versions.node.split('.')[0]);
const hasBuiltinSqlite = process.getBuiltinModule?.('node:sqlite') !== undefined;

describe('SQLite driver and argon2id engine for this Node version', () => {
  it(`uses node:sqlite where Node has it, better-sqlite3 otherwise (Node ${process.versions.node})`, async () => {
    const expected = hasBuiltinSqlite ? 'node:sqlite' : 'better-sqlite3';
    assert.equal(sqliteDriverName(), expected);
    if (nodeMajor >= 24) assert.equal(expected, 'node:sqlite', 'Node 24 must not need the native better-sqlite3');
    const store = new SqliteStore(freshDir('driver'));
    try {
      assert.equal(store.driver, expected);
    } finally {
      await store.close();
    }
  });

  it('a failing transaction rolls back everything it wrote', async () => {
    const store = new SqliteStore(freshDir('driver-rollback'));
    try {
      // commitFailure on a gate list with a bogus entry throws inside the transaction after the reservation was cleared.
      assert.deepEqual(await store.rates.reserve('r', [{ gate: 'g', limit: 1 }], 1000, 60_000), { ok: true });
      await assert.rejects(store.rates.commitFailure('r', [{ gate: 'g', limit: 1 }, null as never], 1000, 60_000, 9999));
      await store.rates.release('r');
      assert.deepEqual(await store.rates.reserve('r2', [{ gate: 'g', limit: 1 }], 1000, 60_000), { ok: true }, 'the reservation was still pending, so release removed it');
      assert.equal(await store.rates.blockedUntil('g', 1000), undefined, 'no block survived the rollback');
    } finally {
      await store.close();
    }
  });

  it(`argon2id uses crypto.argon2 where Node has it (Node ≥ 24.7), the npm package otherwise`, () => {
    const builtin = typeof (process.getBuiltinModule?.('node:crypto') as { argon2?: unknown } | undefined)?.argon2 === 'function';
    assert.equal(argon2Engine(), builtin ? 'node:crypto' : 'argon2-npm');
    if (nodeMajor >= 24) assert.equal(argon2Engine(), 'node:crypto');
  });

  for (const maker of availableArgon2Engines()) {
    for (const checker of availableArgon2Engines()) {
      it(`a hash made by ${maker} verifies with ${checker}; a wrong password does not`, async () => {
        const phc = await hashArgon2id('blue tractor', maker);
        // The npm package orders the parameters m,p,t; the reference (and crypto.argon2 here) m,t,p.
        assert.match(phc, /^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
        assert.equal(await verifyArgon2id(phc, 'blue tractor', checker), true);
        assert.equal(await verifyArgon2id(phc, 'blue tractor ', checker), false);
      });
    }
  }

  it('refuses malformed or out-of-bounds hashes instead of throwing or working hard', async () => {
    const phc = await hashArgon2id('x');
    for (const bad of ['', 'plain', phc.replace('$argon2id$', '$argon2i$'), phc.replace('v=19', 'v=16'), phc.replace('m=19456', 'm=9999999'), phc.replace('m=19456', 'm=19456,m=8'), phc.replace('p=1', 'p=1,x=2'), phc.replace(/\$[^$]+$/, '$')]) {
      assert.equal(await verifyArgon2id(bad, 'x'), false, bad);
    }
  });
});
