// The Twilio adapter against a local HTTPS emulator of the Messages API as Twilio documents it:
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth, form-encoded To/From/Body,
// 201 + message JSON, and error JSON {code, message, more_info, status} (21211, 20003, 20429).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { smsSchema } from '../../daemon/src/config/schema.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { retryAfterSeconds, TwilioSmsSender, type TwilioSmsConfig } from '../../daemon/src/notify/sms-twilio.js';
import { rememberSecret } from '../support/run-dir.js';
import { json, makeTestCa, TlsReceiver, visible, type ReceivedRequest, type TestCa } from './tls-receiver.js';

const ACCOUNT_SID = `AC${randomBytes(16).toString('hex')}`;
const AUTH_TOKEN = randomBytes(16).toString('hex');
const FROM = '+15550100999';
const PHONE = '+15550142871';
const TEXT = 'Keyhatch code: 409317';
rememberSecret(AUTH_TOKEN, PHONE, TEXT, '409317');

function twilioError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

/** Twilio's Messages resource, as far as Keyhatch uses it. `throttle` answers that many requests with 429 first. */
class TwilioEmulator {
  readonly messages: Array<Record<string, string>> = [];
  throttle = 0;
  retryAfter: string | undefined = '2';
  handle = (req: ReceivedRequest, res: ServerResponse): void => {
    if (req.method !== 'POST' || req.path !== `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`) {
      return twilioError(res, 404, 20404, 'The requested resource was not found');
    }
    const [scheme, encoded] = String(req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Basic' || Buffer.from(encoded ?? '', 'base64').toString('utf8') !== `${ACCOUNT_SID}:${AUTH_TOKEN}`) {
      return twilioError(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (this.throttle > 0) {
      this.throttle -= 1;
      return twilioError(res, 429, 20429, 'Too Many Requests', this.retryAfter === undefined ? {} : { 'retry-after': this.retryAfter });
    }
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return twilioError(res, 400, 21602, 'Message body is required.');
    }
    const form = new URLSearchParams(req.body);
    const to = form.get('To'); const from = form.get('From'); const body = form.get('Body');
    if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    // Twilio quotes the number back in its message: the adapter must not pass that text on.
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from !== FROM) return twilioError(res, 400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account.");
    if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
    const sid = `SM${randomBytes(16).toString('hex')}`;
    this.messages.push({ To: to, From: from, Body: body });
    json(res, 201, {
      sid, account_sid: ACCOUNT_SID, to, from, body, status: 'queued', direction: 'outbound-api', api_version: '2010-04-01',
      num_segments: '1', num_media: '0', error_code: null, error_message: null, price: null, price_unit: 'USD',
      date_created: new Date().toUTCString(), date_updated: new Date().toUTCString(), date_sent: null,
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
    });
  };
}

describe('TwilioSmsSender', () => {
  let ca: TestCa;
  const receiver = new TlsReceiver();
  let baseUrl: string;
  let twilio: TwilioEmulator;
  let waits: number[];
  const sleep = async (ms: number): Promise<void> => { waits.push(ms); };
  const config = (extra: Record<string, unknown> = {}): TwilioSmsConfig =>
    smsSchema.parse({ provider: 'twilio', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, baseUrl, caFile: ca.caFile, ...extra }) as TwilioSmsConfig;
  const failure = (p: Promise<void>): Promise<unknown> => p.then(() => assert.fail('expected SMS_FAILED'), (e: unknown) => e);

  before(async () => {
    ca = makeTestCa('sms-twilio');
    baseUrl = await receiver.start(ca);
  });
  after(() => receiver.stop());
  beforeEach(() => {
    receiver.requests.length = 0;
    twilio = new TwilioEmulator();
    receiver.handler = twilio.handle;
    waits = [];
  });

  it('creates a Message with form-encoded To/From/Body and HTTP Basic auth (201 queued)', async () => {
    await new TwilioSmsSender(config(), { sleep }).send(PHONE, TEXT);
    assert.deepEqual(twilio.messages, [{ To: PHONE, From: FROM, Body: TEXT }]);
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(waits, []);
  });

  it("an invalid 'To' is SMS_FAILED \"twilio 21211\" and Twilio's message quoting the number is not passed on", async () => {
    const bad = '5550142871999';
    rememberSecret(bad);
    const err = await failure(new TwilioSmsSender(config(), { sleep }).send(bad, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.equal(err.reason, 'twilio 21211');
    for (const s of [bad, TEXT, AUTH_TOKEN]) assert.ok(!visible(err).includes(s));
  });

  it('a wrong auth token is SMS_FAILED "twilio 20003"', async () => {
    const wrong = randomBytes(16).toString('hex');
    rememberSecret(wrong);
    const err = await failure(new TwilioSmsSender(config({ authToken: wrong }), { sleep }).send(PHONE, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.equal(err.reason, 'twilio 20003');
    assert.equal(twilio.messages.length, 0);
  });

  it('a 429 is retried once after Retry-After, then the message is created', async () => {
    twilio.throttle = 1;
    await new TwilioSmsSender(config(), { sleep }).send(PHONE, TEXT);
    assert.deepEqual(waits, [2000]);
    assert.equal(receiver.requests.length, 2);
    assert.equal(twilio.messages.length, 1);
  });

  it('a second 429 is SMS_FAILED "twilio 20429" (one retry only)', async () => {
    twilio.throttle = 5;
    const err = await failure(new TwilioSmsSender(config(), { sleep }).send(PHONE, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.equal(err.reason, 'twilio 20429');
    assert.deepEqual(waits, [2000]);
    assert.equal(receiver.requests.length, 2);
  });

  it('a Retry-After beyond the bound fails at once instead of waiting', async () => {
    twilio.throttle = 1;
    twilio.retryAfter = '3600';
    const err = await failure(new TwilioSmsSender(config(), { sleep }).send(PHONE, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED') && err.reason === 'twilio 20429');
    assert.deepEqual(waits, []);
    assert.equal(receiver.requests.length, 1);
  });

  it('a non-JSON error page is SMS_FAILED with the HTTP status', async () => {
    receiver.handler = (_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>'); };
    const err = await failure(new TwilioSmsSender(config(), { sleep }).send(PHONE, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED') && err.reason === 'twilio HTTP 502');
  });

  it('does not trust the endpoint without its CA file', async () => {
    const { caFile: _omit, ...noCa } = config();
    const err = await failure(new TwilioSmsSender(noCa as TwilioSmsConfig, { sleep }).send(PHONE, TEXT));
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.match(err.reason ?? '', /^twilio unreachable \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    assert.equal(receiver.requests.length, 0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds('7', now), 7);
    assert.equal(retryAfterSeconds('Thu, 01 Jan 2026 00:00:04 GMT', now), 4);
    assert.equal(retryAfterSeconds(null, now), 1);
    assert.equal(retryAfterSeconds('soon', now), 1);
  });
});
