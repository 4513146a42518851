// A full or read-only disk under the data directory is a condition, not a bug: every store call and
// the reset journal report it as DATA_DIR_UNWRITABLE (503, "try again later") instead of a 500.
// SQLite rolls the statement's transaction back on SQLITE_FULL/READONLY/IOERR, so nothing is half
// written; the condition clears without a restart once space is freed or the mount is writable.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyhatchError } from './catalogue.js';

const FS_CODES = new Set(['ENOSPC', 'EROFS', 'EDQUOT', 'EIO', 'EACCES', 'EPERM']);

export function isDiskError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return FS_CODES.has(code) || /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/.test(code)
    // node:sqlite reports the SQLite code in errstr/message, not in `code`.
    || (code === 'ERR_SQLITE_ERROR' && /disk is full|readonly|read-only|disk I\/O error|unable to open/i.test((err as Error).message));
}

export function diskError(err: unknown, what: string): unknown {
  if (err instanceof KeyhatchError || !isDiskError(err)) return err;
  return new KeyhatchError('DATA_DIR_UNWRITABLE', { reason: `${what}: ${(err as Error).message}`, cause: err });
}

/**
 * Start-up check: the data (and log) directory must take a write. Refusing here, with the path and
 * the reason, beats a daemon that starts and then fails every request (or a logger error that
 * names some file deep inside).
 */
export function assertWritableDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const probe = join(dir, `.keyhatch-write-probe-${process.pid}`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(probe, 'probe', { mode: 0o600 });
      rmSync(probe, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new KeyhatchError('DATA_DIR_UNWRITABLE', { message: `cannot write to ${dir} (${code}): free space, or make it writable for the service account`, reason: (err as Error).message, cause: err });
    }
  }
}
