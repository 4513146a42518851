// The factory picks the adapter from config once and hands it the injected transport.
import assert from 'node:assert/strict';
import { smsSchema } from '../../daemon/src/config/schema.js';
import { createSmsSender } from '../../daemon/src/notify/sms-factory.js';
import { TwilioSmsSender } from '../../daemon/src/notify/sms-twilio.js';
import { WebhookSmsSender } from '../../daemon/src/notify/sms-webhook.js';
import { rememberSecret } from '../support/run-dir.js';

describe('createSmsSender', () => {
  const urls: string[] = [];
  const recordingFetch = (async (input: string | URL | Request) => {
    urls.push(String(input));
    return new Response(null, { status: String(input).includes('Messages.json') ? 201 : 204 });
  }) as typeof fetch;
  beforeEach(() => { urls.length = 0; });
  rememberSecret('factory-webhook-secret-000', 'factory-token-111', '+15550177001');

  it('builds the webhook adapter for provider "webhook" and sends through the given transport', async () => {
    const sender = createSmsSender(smsSchema.parse({ provider: 'webhook', url: 'https://sms.example.test/hook', secret: 'factory-webhook-secret-000' }), recordingFetch);
    assert.ok(sender instanceof WebhookSmsSender);
    assert.equal(sender.label, 'webhook');
    await sender.send('+15550177001', 'hello');
    assert.deepEqual(urls, ['https://sms.example.test/hook']);
  });

  it('builds the Twilio adapter for provider "twilio" and sends through the given transport', async () => {
    const sid = `AC${'0'.repeat(32)}`;
    const sender = createSmsSender(smsSchema.parse({ provider: 'twilio', accountSid: sid, authToken: 'factory-token-111', from: '+15550100' }), recordingFetch);
    assert.ok(sender instanceof TwilioSmsSender);
    assert.equal(sender.label, 'Twilio');
    await sender.send('+15550177001', 'hello');
    assert.deepEqual(urls, [`https://api.twilio.com/2010-04-01/Accounts/${sid}/Messages.json`]);
  });
});
