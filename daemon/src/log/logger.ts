// The diagnostic log (what the service is doing, for admins) — separate from the audit trail.
import winston from 'winston';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from './redact.js';

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

const redactFormat = winston.format((info) => {
  const cleaned = redact({ ...info }) as winston.Logform.TransformableInfo;
  for (const k of Object.keys(info)) delete (info as Record<string, unknown>)[k];
  return Object.assign(info, cleaned);
});

export interface LoggerOptions {
  dir: string;
  level: string;
  console: boolean;
}

export function createLogger(opts: LoggerOptions): Logger & { close(): Promise<void> } {
  mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
  const transports: winston.transport[] = [
    new winston.transports.File({ filename: join(opts.dir, 'keyhatch.log'), maxsize: 20 * 1024 * 1024, maxFiles: 5 }),
  ];
  if (opts.console) transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }));
  const w = winston.createLogger({
    level: opts.level,
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports,
  });
  return {
    error: (m, meta) => w.error(m, meta),
    warn: (m, meta) => w.warn(m, meta),
    info: (m, meta) => w.info(m, meta),
    debug: (m, meta) => w.debug(m, meta),
    close: () => closeWinston(w),
  };
}

export function closeWinston(w: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    // A file transport that met a full or read-only disk never finishes: shutdown must not wait on it.
    const bound = setTimeout(resolve, 5_000);
    const done = () => { clearTimeout(bound); setTimeout(resolve, 20); };
    w.on('finish', done);
    w.on('error', done);
    w.end();
  });
}

/** For tests and library use where nothing should be written. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
