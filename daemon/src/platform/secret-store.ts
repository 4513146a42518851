// Secrets at rest (directory credentials, client secrets): DPAPI machine scope on Windows
// through the native addon, a 0600 file in a 0700 directory elsewhere. One file per secret.
import { crypto } from '../net/node-builtins.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { NativeAddon } from './native-addon.js';

export interface SecretStore {
  /** 'dpapi' on Windows with the addon, 'file' (0600) elsewhere. */
  readonly kind: 'dpapi' | 'file';
  get(name: string): Promise<Buffer | undefined>;
  set(name: string, value: Buffer): Promise<void>;
  delete(name: string): Promise<void>;
}

export class SecretStoreError extends Error {
  constructor(
    readonly code: 'INVALID_SECRET_NAME' | 'SECRET_FILE_PERMISSIONS',
    message: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// DPAPI optional entropy. Machine-scope DPAPI decrypts for any process on the machine that has
// the blob, so blobs are bound to a random value made per install (entropy.dpapi, inside the
// ACL'd data directory). The constant below only wraps that value and reads pre-v2 blobs.
const LEGACY_ENTROPY = Buffer.from('keyhatch-secret-store-v1', 'utf8');
const ENTROPY_FILE = 'entropy.dpapi';

function checkName(name: string): void {
  if (!NAME.test(name) || name.includes('..')) {
    throw new SecretStoreError('INVALID_SECRET_NAME', `secret name ${JSON.stringify(name)} must match ${NAME} (letters, digits, . _ -)`);
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes via a temporary file and rename, so a crash never leaves half a secret. */
async function writeAtomic(file: string, data: Buffer, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

/**
 * A random key made on first use and returned ever after (the daemon's MAC and sealing keys).
 * Reads back after writing, so two processes racing on first use end up with the stored one.
 */
export async function getOrCreateKey(store: SecretStore, name: string, bytes = 32): Promise<Buffer> {
  const existing = await store.get(name);
  if (existing) return existing;
  await store.set(name, crypto.randomBytes(bytes));
  const stored = await store.get(name);
  if (!stored) throw new Error(`secret ${name} vanished right after it was written`);
  return stored;
}

export function createSecretStore(dir: string, addon?: NativeAddon): SecretStore {
  return addon ? dpapiStore(dir, addon) : fileStore(dir);
}

function fileStore(dir: string): SecretStore {
  const fileOf = (name: string): string => {
    checkName(name);
    return path.join(dir, `${name}.secret`);
  };
  return {
    kind: 'file',
    async get(name) {
      const file = fileOf(name);
      let stat;
      try {
        stat = await fs.stat(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      // Refuse rather than use a secret others could have read (or replaced).
      if ((stat.mode & 0o077) !== 0) {
        throw new SecretStoreError('SECRET_FILE_PERMISSIONS', `${file} is accessible by group/others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it`);
      }
      return readIfExists(file);
    },
    async set(name, value) {
      const file = fileOf(name);
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.chmod(dir, 0o700);
      await writeAtomic(file, value, 0o600);
    },
    async delete(name) {
      await fs.rm(fileOf(name), { force: true });
    },
  };
}

/** The per-install entropy: made once (random 32 bytes), kept as a DPAPI blob next to the secrets. */
async function installEntropy(dir: string, addon: NativeAddon): Promise<Buffer> {
  const file = path.join(dir, ENTROPY_FILE);
  const existing = await readIfExists(file);
  if (existing) return addon.unprotect(existing, 'machine', LEGACY_ENTROPY);
  await fs.mkdir(dir, { recursive: true });
  try {
    const handle = await fs.open(file, 'wx', 0o600); // first writer wins; a racing one reads it back
    try { await handle.writeFile(await addon.protect(crypto.randomBytes(32), 'machine', LEGACY_ENTROPY)); await handle.sync(); } finally { await handle.close(); }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return addon.unprotect(await fs.readFile(file), 'machine', LEGACY_ENTROPY);
}

function dpapiStore(dir: string, addon: NativeAddon): SecretStore {
  const fileOf = (name: string): string => {
    checkName(name);
    return path.join(dir, `${name}.dpapi`);
  };
  let entropy: Promise<Buffer> | undefined;
  const entropyOf = (): Promise<Buffer> => {
    entropy ??= installEntropy(dir, addon).catch((err: unknown) => { entropy = undefined; throw err; });
    return entropy;
  };
  const store: SecretStore = {
    kind: 'dpapi',
    async get(name) {
      const blob = await readIfExists(fileOf(name));
      if (!blob) return undefined;
      try {
        return await addon.unprotect(blob, 'machine', await entropyOf());
      } catch (err) {
        // A blob from before per-install entropy: read it with the old constant and re-seal it.
        const legacy = await addon.unprotect(blob, 'machine', LEGACY_ENTROPY).catch(() => { throw err; });
        await store.set(name, legacy);
        return legacy;
      }
    },
    async set(name, value) {
      await fs.mkdir(dir, { recursive: true });
      await writeAtomic(fileOf(name), await addon.protect(value, 'machine', await entropyOf()), 0o600);
    },
    async delete(name) {
      await fs.rm(fileOf(name), { force: true });
    },
  };
  return store;
}

/**
 * Windows: the service sets the data directory's DACL (SYSTEM + Administrators, protected) at
 * start, before any secret is read or written. Elsewhere the 0700/0600 modes do that job.
 */
export async function secureDataDir(dataDir: string, addon: NativeAddon | undefined): Promise<void> {
  if (!addon) return;
  await fs.mkdir(dataDir, { recursive: true });
  await addon.restrictDirectory(dataDir);
}

/** The store the daemon and `keyhatch secret set` share: DPAPI on Windows with the addon, files elsewhere. */
export async function platformSecretStore(dataDir: string): Promise<SecretStore> {
  const { nativeAddonAvailable, loadNativeAddon } = await import('./native-addon.js');
  const addon = process.platform === 'win32' && nativeAddonAvailable() ? loadNativeAddon() : undefined;
  await secureDataDir(dataDir, addon);
  return createSecretStore(path.join(dataDir, 'secrets'), addon);
}
