// The audit trail: one JSON line per security-relevant event. Help-desk staff read it to learn
// what happened; the real reason for a refusal lives here and never in a response.
import winston from 'winston';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from './redact.js';
import { closeWinston } from './logger.js';

export type AuditResult = 'success' | 'failure' | 'refused' | 'info';

export interface AuditEvent {
  action: string;
  actor: string;
  target?: string;
  result: AuditResult;
  /** Stable reason code (catalogue code or a more specific one); never a secret. */
  reason?: string;
  correlationId: string;
  device?: string;
  source?: string;
  details?: Record<string, unknown>;
}

export interface AuditSink {
  write(event: AuditEvent): void;
}

export interface AuditLog extends AuditSink {
  close(): Promise<void>;
}

export function createAuditLog(dir: string, extraSinks: AuditSink[] = []): AuditLog {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const w = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.File({ filename: join(dir, 'audit.log'), maxsize: 50 * 1024 * 1024, maxFiles: 20 })],
  });
  return {
    write(event) {
      const safe = redact(event) as AuditEvent;
      w.info(safe.action, safe);
      for (const s of extraSinks) s.write(safe);
    },
    close: () => closeWinston(w),
  };
}

export class MemoryAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  write(event: AuditEvent): void { this.events.push(redact(event) as AuditEvent); }
  async close(): Promise<void> {}
}
