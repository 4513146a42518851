// Backend selection from the configuration, and a PostgreSQL URL that cannot be opened: a catalogue
// error that names the server but never the password.
import assert from 'node:assert/strict';
import { envOverrides, validateConfig } from '../../daemon/src/config/load.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { openStore } from '../../daemon/src/store/open-store.js';
import { describeDatabaseUrl } from '../../daemon/src/store/postgres-store.js';
import { rememberSecret, freshDir } from '../support/run-dir.js';
import { stopTestPostgres, testPostgres } from '../support/postgres.js';

after(async () => { await stopTestPostgres(); });

describe('openStore and the databaseUrl setting', function () {
  this.timeout(120_000);

  it('KEYHATCH_DATABASE_URL sets databaseUrl; only postgres:// URLs are accepted', () => {
    const env = { KEYHATCH_DATABASE_URL: 'postgresql://kh:pw@db.corp.example:5432/keyhatch' };
    assert.equal(validateConfig({ dataDir: '/x', ...envOverrides(env) }).databaseUrl, env.KEYHATCH_DATABASE_URL);
    assert.equal(validateConfig({ dataDir: '/x' }).databaseUrl, undefined);
    assert.throws(() => validateConfig({ dataDir: '/x', databaseUrl: 'mysql://kh@db/keyhatch' }), /databaseUrl: must be a postgres/);
  });

  it('without databaseUrl the store is SQLite in the data directory', async () => {
    const store = await openStore({ dataDir: freshDir('open-sqlite') });
    try { assert.equal(store.kind, 'sqlite'); } finally { await store.close(); }
  });

  it('a refused PostgreSQL login fails with STORE_UNAVAILABLE, naming the server and not the password', async () => {
    const pg = await testPostgres();
    const wrong = 'Wr0ng-Passw0rd-For-Test';
    rememberSecret(wrong);
    const url = `postgres://${pg.user}:${wrong}@${pg.host}:${pg.port}/postgres`;
    await assert.rejects(openStore({ dataDir: freshDir('open-pg'), databaseUrl: url }), (err: unknown) => {
      assert.ok(isKeyhatchError(err, 'STORE_UNAVAILABLE'), String(err));
      assert.match(err.message, new RegExp(`${pg.host}:${pg.port}`));
      assert.match(err.message, /password authentication failed/);
      assert.ok(!err.message.includes(wrong) && !err.message.includes(pg.password));
      return true;
    });
  });

  it('describeDatabaseUrl hides the password', () => {
    assert.equal(describeDatabaseUrl('postgres://kh:s3cret@db:5432/k?sslmode=verify-full'), 'postgres://kh:***@db:5432/k?sslmode=verify-full');
    assert.equal(describeDatabaseUrl('postgres://db/k?password=s3cret'), 'postgres://db/k');
  });
});
