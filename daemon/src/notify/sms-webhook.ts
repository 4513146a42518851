// SMS through the customer's own gateway: a signed JSON POST. The receiver checks the HMAC over
// "timestamp.body" so a captured request cannot be replayed later or altered in flight.
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { smsSchema } from '../config/schema.js';
import { createHttpsFetch, readCaFile } from '../net/https-fetch.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { SmsSender } from './sms.js';

export type WebhookSmsConfig = Extract<z.infer<typeof smsSchema>, { provider: 'webhook' }>;

export interface WebhookSmsDeps {
  /** Transport; default: node:https trusting the configured CA file in addition to the system roots. */
  fetch?: typeof fetch;
  /** Unix time in seconds (tests pin it). */
  nowSeconds?: () => number;
  timeoutMs?: number;
}

export const SMS_TIMEOUT_MS = 10_000;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSmsSender implements SmsSender {
  readonly label = 'webhook';
  private readonly fetch: typeof fetch;
  private readonly nowSeconds: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly config: WebhookSmsConfig, deps: WebhookSmsDeps = {}) {
    this.timeoutMs = deps.timeoutMs ?? SMS_TIMEOUT_MS;
    this.fetch = deps.fetch ?? createHttpsFetch({ ca: readCaFile(config.caFile), timeoutMs: this.timeoutMs });
    this.nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  async send(to: string, text: string): Promise<void> {
    const body = JSON.stringify({ to, text });
    const timestamp = String(this.nowSeconds());
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetch(this.config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-keyhatch-timestamp': timestamp,
          'x-keyhatch-signature': webhookSignature(this.config.secret, timestamp, body),
        },
        body,
        signal,
      });
    } catch (err) {
      throw new KeyhatchError('SMS_FAILED', { reason: `webhook ${transportFailure(err, signal, this.timeoutMs)}`, cause: err });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new KeyhatchError('SMS_FAILED', { reason: `webhook HTTP ${res.status}` });
  }
}

/** Only an error code goes into the reason: a transport message could echo request details. */
export function transportFailure(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `timed out after ${timeoutMs} ms`;
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return `unreachable (${typeof code === 'string' ? code : 'network error'})`;
}
