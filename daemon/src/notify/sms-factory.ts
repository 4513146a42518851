// The SMS adapter is picked once, here, from config; nothing else knows which provider is in use.
import type { KeyhatchConfig } from '../config/schema.js';
import type { SmsSender } from './sms.js';
import { TwilioSmsSender } from './sms-twilio.js';
import { WebhookSmsSender } from './sms-webhook.js';

export type SmsConfig = NonNullable<KeyhatchConfig['sms']>;

export function createSmsSender(config: SmsConfig, fetchImpl?: typeof fetch): SmsSender {
  const deps = fetchImpl ? { fetch: fetchImpl } : {};
  switch (config.provider) {
    case 'webhook': return new WebhookSmsSender(config, deps);
    case 'twilio': return new TwilioSmsSender(config, deps);
  }
}
