// The relay's diagnostic log: JSON lines in <logDir>/keyhatch.log (and stderr when asked). A tiny
// writer instead of winston keeps the relay light; it has nothing to audit (the gateway does that).
// Lines are appended one after another on a promise chain rather than through a write stream: the
// relay logs a few lines an hour, and node's stream machinery costs ~3 ms of every boot.
import { appendFile, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type RelayLogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<RelayLogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface RelayLog {
  error(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  debug(msg: string, meta?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export function createRelayLog(dir: string, level: RelayLogLevel, toConsole: boolean): RelayLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'keyhatch.log');
  let written = Promise.resolve();
  const append = (line: string): void => {
    written = written.then(() => new Promise<void>((resolve) => {
      // A full or read-only disk must not stop the relay: the line still reaches stderr when asked.
      appendFile(file, line, { mode: 0o600 }, () => resolve());
    }));
  };
  const write = (l: RelayLogLevel) => (message: string, meta: Record<string, unknown> = {}): void => {
    if (RANK[l] > RANK[level]) return;
    const line = `${JSON.stringify({ level: l, message, ...meta, role: 'relay', timestamp: new Date().toISOString() })}\n`;
    append(line);
    if (toConsole) process.stderr.write(line);
  };
  return {
    error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'),
    close: () => written,
  };
}
