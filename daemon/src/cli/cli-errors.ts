// How a failed command ends: one line on stderr and the exit code CONTRACTS.md names (2 bad usage or
// config, the catalogue's code otherwise, 1 for anything unexpected). Shared by the whole CLI and the
// relay's own start path (relay-first.ts), so both fail alike.
import { KeyhatchError } from '../errors/catalogue.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './args.js';

export function reportCliError(err: unknown, io: Pick<CliIo, 'stderr'>): number {
  if (err instanceof UsageError) { io.stderr(`keyhatch: ${err.message}`); return 2; }
  if (err instanceof KeyhatchError) {
    const detail = err.violations ? ` [${err.violations.map((v) => v.code).join(', ')}]` : '';
    io.stderr(`keyhatch: ${err.code}: ${err.message}${detail}${err.reason && err.code !== 'PASSWORD_POLICY' ? ` (${err.reason})` : ''}`);
    return err.exitCode;
  }
  io.stderr(`keyhatch: INTERNAL: ${(err as Error)?.message ?? String(err)}`);
  return 1;
}
