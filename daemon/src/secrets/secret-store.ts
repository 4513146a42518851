// Keys and secrets at rest. On Linux: files with mode 0600 in a 0700 directory. On Windows the
// daemon wraps this with DPAPI (machine scope) through the native addon.
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface SecretStore {
  /** A random key that is created once and then always returned. */
  key(name: string, bytes?: number): Buffer;
}

export interface SecretProtector {
  protect(data: Buffer): Buffer;
  unprotect(data: Buffer): Buffer;
}

export class FileSecretStore implements SecretStore {
  private readonly dir: string;
  private readonly cache = new Map<string, Buffer>();
  constructor(dataDir: string, private readonly protector?: SecretProtector) {
    this.dir = join(dataDir, 'secrets');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }
  key(name: string, bytes = 32): Buffer {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad secret name ${name}`);
    const cached = this.cache.get(name);
    if (cached) return cached;
    const file = join(this.dir, `${name}.key`);
    let value: Buffer;
    if (existsSync(file)) {
      const raw = readFileSync(file);
      value = this.protector ? this.protector.unprotect(raw) : raw;
    } else {
      value = randomBytes(bytes);
      writeFileSync(file, this.protector ? this.protector.protect(value) : value, { mode: 0o600, flag: 'wx' });
    }
    this.cache.set(name, value);
    return value;
  }
}
