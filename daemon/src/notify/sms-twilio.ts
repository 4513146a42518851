// SMS through Twilio's Messages API (2010-04-01): form-encoded To/From/Body with HTTP Basic auth
// (AccountSid:AuthToken); 201 on success; errors are JSON {code, message, more_info, status}.
import type { z } from 'zod';
import type { smsSchema } from '../config/schema.js';
import { createHttpsFetch, readCaFile } from '../net/https-fetch.js';
import { KeyhatchError } from '../errors/catalogue.js';
import type { SmsSender } from './sms.js';
import { SMS_TIMEOUT_MS, transportFailure } from './sms-webhook.js';

export type TwilioSmsConfig = Extract<z.infer<typeof smsSchema>, { provider: 'twilio' }>;

export interface TwilioSmsDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
  /** A 429 asking for a longer wait than this fails at once: the user is better off trying another factor. */
  maxRetryAfterSeconds?: number;
}

const DEFAULT_RETRY_AFTER_SECONDS = 1;

export class TwilioSmsSender implements SmsSender {
  readonly label = 'Twilio';
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterSeconds: number;
  private readonly url: string;
  private readonly authorization: string;

  constructor(private readonly config: TwilioSmsConfig, deps: TwilioSmsDeps = {}) {
    this.timeoutMs = deps.timeoutMs ?? SMS_TIMEOUT_MS;
    this.fetch = deps.fetch ?? createHttpsFetch({ ca: readCaFile(config.caFile), timeoutMs: this.timeoutMs });
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxRetryAfterSeconds = deps.maxRetryAfterSeconds ?? 5;
    this.url = `${config.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  }

  async send(to: string, text: string): Promise<void> {
    const body = new URLSearchParams({ To: to, From: this.config.from, Body: text }).toString();
    let res = await this.post(body);
    if (res.status === 429) {
      const wait = retryAfterSeconds(res.headers.get('retry-after'));
      if (wait <= this.maxRetryAfterSeconds) {
        await res.arrayBuffer().catch(() => undefined);
        await this.sleep(wait * 1000);
        res = await this.post(body);
      }
    }
    if (res.ok) { await res.arrayBuffer().catch(() => undefined); return; }
    throw new KeyhatchError('SMS_FAILED', { reason: await twilioReason(res) });
  }

  private async post(body: string): Promise<Response> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.fetch(this.url, {
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal,
      });
    } catch (err) {
      throw new KeyhatchError('SMS_FAILED', { reason: `twilio ${transportFailure(err, signal, this.timeoutMs)}`, cause: err });
    }
  }
}

/** Twilio's numeric error code only: its `message` text can quote the phone number. */
async function twilioReason(res: Response): Promise<string> {
  try {
    const json = await res.json() as { code?: unknown };
    if (typeof json.code === 'number' || (typeof json.code === 'string' && /^\d+$/.test(json.code))) return `twilio ${json.code}`;
  } catch { /* not JSON: fall through to the HTTP status */ }
  return `twilio HTTP ${res.status}`;
}

/** Retry-After is delta-seconds or an HTTP date; anything unreadable gets a short default wait. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (header === null) return DEFAULT_RETRY_AFTER_SECONDS;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(0, Math.ceil((at - now) / 1000));
}
