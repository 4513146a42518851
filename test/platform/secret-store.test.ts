import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretStoreError, createSecretStore } from '../../daemon/src/platform/secret-store.js';
import { KeyhatchNativeUnavailable, loadNativeAddon, nativeAddonAvailable } from '../../daemon/src/platform/native-addon.js';

describe('secret store without the native addon (Linux: 0600 file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyhatch-secrets-')), 'store');
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('the addon reports itself unavailable here, with a clear error', function () {
    if (process.platform === 'win32') this.skip(); // the Windows path is tested under Wine (test/native/addon.test.ts)
    assert.equal(nativeAddonAvailable(), false);
    assert.throws(() => loadNativeAddon(), (err: unknown) => err instanceof KeyhatchNativeUnavailable && err.code === 'NATIVE_UNAVAILABLE' && /Windows only/.test(err.message));
  });

  it('round-trips a secret in a 0600 file inside a 0700 directory, atomically', async () => {
    const store = createSecretStore(dir);
    assert.equal(store.kind, 'file');
    assert.equal(await store.get('ad-bind-password'), undefined);
    await store.set('ad-bind-password', Buffer.from('S3rvice!pass'));
    await store.set('ad-bind-password', Buffer.from('S3rvice!pass-2'));
    assert.equal((await store.get('ad-bind-password'))?.toString(), 'S3rvice!pass-2');
    assert.equal(fs.statSync(path.join(dir, 'ad-bind-password.secret')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(dir), ['ad-bind-password.secret'], 'no temporary file left behind');
    await store.delete('ad-bind-password');
    assert.equal(await store.get('ad-bind-password'), undefined);
  });

  it('refuses a secret file that group or others can read', async () => {
    const store = createSecretStore(dir);
    await store.set('entra-client-secret', Buffer.from('x'));
    fs.chmodSync(path.join(dir, 'entra-client-secret.secret'), 0o644);
    await assert.rejects(store.get('entra-client-secret'), (err: unknown) => err instanceof SecretStoreError && err.code === 'SECRET_FILE_PERMISSIONS' && /chmod 600/.test(err.message));
  });

  it('rejects names that could escape the directory', async () => {
    const store = createSecretStore(dir);
    for (const name of ['../etc/passwd', 'a/b', '', '.hidden', 'x'.repeat(65), 'a..b']) {
      await assert.rejects(store.set(name, Buffer.from('x')), (err: unknown) => err instanceof SecretStoreError && err.code === 'INVALID_SECRET_NAME', name);
    }
  });
});
