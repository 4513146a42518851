// The relay's diagnostic log: JSON lines in <logDir>/keyhatch.log (and stderr when asked). A tiny
// writer instead of winston keeps the relay light; it has nothing to audit (the gateway does that).
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
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
  const out: WriteStream = createWriteStream(join(dir, 'keyhatch.log'), { flags: 'a', mode: 0o600 });
  const write = (l: RelayLogLevel) => (message: string, meta: Record<string, unknown> = {}): void => {
    if (RANK[l] > RANK[level]) return;
    const line = `${JSON.stringify({ level: l, message, ...meta, role: 'relay', timestamp: new Date().toISOString() })}\n`;
    out.write(line);
    if (toConsole) process.stderr.write(line);
  };
  return {
    error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'),
    close: () => new Promise<void>((resolve) => out.end(() => resolve())),
  };
}
