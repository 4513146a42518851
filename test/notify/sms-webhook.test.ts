// The webhook adapter against a local HTTPS receiver that checks what a real integration would:
// the HMAC over "timestamp.body", the timestamp's freshness, and the JSON shape.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { smsSchema } from '../../daemon/src/config/schema.js';
import { isKeyhatchError } from '../../daemon/src/errors/catalogue.js';
import { WebhookSmsSender, type WebhookSmsConfig } from '../../daemon/src/notify/sms-webhook.js';
import { rememberSecret } from '../support/run-dir.js';
import { json, makeTestCa, TlsReceiver, visible, type ReceivedRequest, type TestCa } from './tls-receiver.js';

const SECRET = 'whsec-7Qm2-k9Vx-41Lp-Zt8e';
const PHONE = '+15550107734';
const TEXT = 'Keyhatch code: 581204';
rememberSecret(SECRET, PHONE, TEXT, '581204');

/** The receiver's side of the contract, written from the spec, not from the sender's code. */
function verifySigned(req: ReceivedRequest, secret: string, nowSeconds: number): 'ok' | 'bad-signature' | 'stale' {
  const ts = String(req.headers['x-keyhatch-timestamp'] ?? '');
  const sig = String(req.headers['x-keyhatch-signature'] ?? '');
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex')}`);
  if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected)) return 'bad-signature';
  if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > 300) return 'stale';
  return 'ok';
}

describe('WebhookSmsSender', () => {
  let ca: TestCa;
  const receiver = new TlsReceiver();
  let url: string;
  const delivered: Array<{ to: string; text: string }> = [];
  const config = (extra: Partial<WebhookSmsConfig> = {}): WebhookSmsConfig =>
    smsSchema.parse({ provider: 'webhook', url: `${url}/sms`, secret: SECRET, caFile: ca.caFile, ...extra }) as WebhookSmsConfig;

  before(async () => {
    ca = makeTestCa('sms-webhook');
    url = await receiver.start(ca);
  });
  after(() => receiver.stop());
  beforeEach(() => {
    receiver.requests.length = 0;
    delivered.length = 0;
    receiver.handler = (req, res) => {
      if (req.method !== 'POST' || req.path !== '/sms') return json(res, 404, { error: 'not found' });
      if (!String(req.headers['content-type']).startsWith('application/json')) return json(res, 415, { error: 'json only' });
      const verdict = verifySigned(req, SECRET, Math.floor(Date.now() / 1000));
      if (verdict !== 'ok') return json(res, 401, { error: verdict });
      const msg = JSON.parse(req.body) as { to: string; text: string };
      delivered.push(msg);
      res.writeHead(204).end();
    };
  });

  it('delivers {"to","text"} signed with HMAC-SHA256 over timestamp.body', async () => {
    const now = Math.floor(Date.now() / 1000);
    await new WebhookSmsSender(config(), { nowSeconds: () => now }).send(PHONE, TEXT);
    assert.deepEqual(delivered, [{ to: PHONE, text: TEXT }]);
    const req = receiver.requests[0]!;
    assert.equal(req.headers['x-keyhatch-timestamp'], String(now));
    assert.match(String(req.headers['x-keyhatch-signature']), /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(JSON.parse(req.body) as object).sort(), ['text', 'to']);
  });

  it('a receiver holding a different secret refuses it: SMS_FAILED "webhook HTTP 401"', async () => {
    const other = 'another-secret-0123456789';
    rememberSecret(other);
    await assert.rejects(new WebhookSmsSender(config({ secret: other })).send(PHONE, TEXT),
      (err) => isKeyhatchError(err, 'SMS_FAILED') && err.reason === 'webhook HTTP 401');
    assert.equal(delivered.length, 0);
  });

  it('the signed timestamp lets the receiver refuse a stale (replayed) request', async () => {
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    await assert.rejects(new WebhookSmsSender(config(), { nowSeconds: () => tenMinutesAgo }).send(PHONE, TEXT),
      (err) => isKeyhatchError(err, 'SMS_FAILED') && err.reason === 'webhook HTTP 401');
  });

  it('any non-2xx is SMS_FAILED with the status, and the error never carries the number or the text', async () => {
    receiver.handler = (_req, res) => json(res, 503, { error: 'gateway down' });
    const err = await new WebhookSmsSender(config()).send(PHONE, TEXT).then(() => undefined, (e: unknown) => e);
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.equal(err.reason, 'webhook HTTP 503');
    for (const s of [PHONE, TEXT, SECRET]) assert.ok(!visible(err).includes(s));
  });

  it('does not trust the receiver without its CA file (verification is never disabled)', async () => {
    const { caFile: _omit, ...noCa } = config();
    const err = await new WebhookSmsSender(noCa as WebhookSmsConfig).send(PHONE, TEXT).then(() => undefined, (e: unknown) => e);
    assert.ok(isKeyhatchError(err, 'SMS_FAILED'));
    assert.match(err.reason ?? '', /^webhook unreachable \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    assert.equal(receiver.requests.length, 0);
    for (const s of [PHONE, TEXT]) assert.ok(!visible(err).includes(s));
  });

  it('gives up when the receiver does not answer within the timeout', async () => {
    receiver.handler = () => { /* never answers */ };
    await assert.rejects(new WebhookSmsSender(config(), { timeoutMs: 300 }).send(PHONE, TEXT),
      (err) => isKeyhatchError(err, 'SMS_FAILED') && err.reason === 'webhook timed out after 300 ms');
    assert.equal(receiver.requests.length, 1);
  });
});
