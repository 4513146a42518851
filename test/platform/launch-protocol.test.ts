import assert from 'node:assert/strict';
import {
  FrameReader,
  LaunchProtocolError,
  MAX_MESSAGE_BYTES,
  decodeRequest,
  decodeResponse,
  encodeFrame,
  errorResponse,
  okResponse,
} from '../../daemon/src/platform/launch-protocol.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LaunchProtocolError, `expected LaunchProtocolError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a LaunchProtocolError');
};

describe('launch protocol codec', () => {
  const launch = { v: 1, type: 'LaunchKiosk', sessionId: 2, scenario: 'unlock', action: 'reset', user: 'CONTOSO\\jdoe' };

  it('frames JSON with a 4-byte little-endian length', () => {
    const frame = encodeFrame({ v: 1, type: 'Status' });
    const body = '{"v":1,"type":"Status"}';
    assert.equal(frame.readUInt32LE(0), Buffer.byteLength(body));
    assert.equal(frame.subarray(4).toString('utf8'), body);
  });

  it('reassembles a frame split across chunks, byte by byte', () => {
    const frame = encodeFrame(launch);
    const reader = new FrameReader();
    let body: Buffer | undefined;
    for (let i = 0; i < frame.length; i++) {
      body = reader.push(frame.subarray(i, i + 1));
      if (i < frame.length - 1) assert.equal(body, undefined);
    }
    assert.deepEqual(decodeRequest(body!), launch);
  });

  it('rejects an oversize announced length before the body arrives', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(MAX_MESSAGE_BYTES + 1, 0);
    assert.equal(codeOf(() => new FrameReader().push(header)), 'MESSAGE_TOO_LARGE');
  });

  it('accepts exactly the maximum size and refuses to encode more', () => {
    const pad = 'x'.repeat(MAX_MESSAGE_BYTES - JSON.stringify({ v: 1, ok: true, p: '' }).length);
    const frame = encodeFrame({ v: 1, ok: true, p: pad });
    assert.equal(frame.length, 4 + MAX_MESSAGE_BYTES);
    assert.equal(codeOf(() => encodeFrame({ v: 1, ok: true, p: pad + 'x' })), 'MESSAGE_TOO_LARGE');
  });

  it('rejects an empty body and trailing bytes', () => {
    assert.equal(codeOf(() => new FrameReader().push(Buffer.alloc(4))), 'BAD_FRAME');
    const twice = Buffer.concat([encodeFrame({ v: 1, type: 'Status' }), Buffer.from([1])]);
    assert.equal(codeOf(() => new FrameReader().push(twice)), 'BAD_FRAME');
  });

  it('decodes both request types', () => {
    assert.deepEqual(decodeRequest(json({ v: 1, type: 'Status' })), { v: 1, type: 'Status' });
    assert.deepEqual(decodeRequest(json(launch)), launch);
    const { user: _u, ...anonymous } = launch;
    assert.deepEqual(decodeRequest(json(anonymous)), anonymous);
  });

  it('answers UNSUPPORTED_VERSION for any other version, even with an unknown shape', () => {
    assert.equal(codeOf(() => decodeRequest(json({ v: 2, type: 'Status' }))), 'UNSUPPORTED_VERSION');
    assert.equal(codeOf(() => decodeRequest(json({ v: '1', type: 'Status' }))), 'UNSUPPORTED_VERSION');
    assert.equal(codeOf(() => decodeRequest(json({ type: 'Anything' }))), 'UNSUPPORTED_VERSION');
  });

  it('names the offending field of an invalid request', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...launch, sessionId: -1 }, 'sessionId'],
      [{ ...launch, sessionId: 1.5 }, 'sessionId'],
      [{ ...launch, sessionId: 2 ** 32 }, 'sessionId'],
      [{ ...launch, scenario: 'changePassword' }, 'scenario'],
      [{ ...launch, action: 'delete' }, 'action'],
      [{ ...launch, user: 'u'.repeat(257) }, 'user'],
      [{ ...launch, user: '' }, 'user'],
      [{ ...launch, user: 'evil\r\nname' }, 'user'],
    ];
    for (const [req, field] of cases) {
      try {
        decodeRequest(json(req));
        assert.fail(`accepted ${JSON.stringify(req)}`);
      } catch (err) {
        assert.ok(err instanceof LaunchProtocolError);
        assert.equal(err.code, 'INVALID_REQUEST');
        assert.match(err.message, new RegExp(`^${field}:`));
      }
    }
    assert.equal(decodeRequest(json({ ...launch, user: 'u'.repeat(256) })).type, 'LaunchKiosk');
  });

  it('rejects unknown types, extra keys, non-objects and bad UTF-8', () => {
    assert.equal(codeOf(() => decodeRequest(json({ v: 1, type: 'Shell' }))), 'INVALID_REQUEST');
    assert.equal(codeOf(() => decodeRequest(json({ ...launch, exe: 'cmd.exe' }))), 'INVALID_REQUEST');
    assert.equal(codeOf(() => decodeRequest(json([1]))), 'INVALID_REQUEST');
    assert.equal(codeOf(() => decodeRequest(Buffer.from('{"v":1,'))), 'BAD_JSON');
    assert.equal(codeOf(() => decodeRequest(Buffer.from([0x7b, 0xff, 0x7d]))), 'BAD_JSON');
  });

  it('round-trips responses', () => {
    const ok = encodeFrame(okResponse({ available: true }));
    assert.deepEqual(decodeResponse(ok.subarray(4)), { v: 1, ok: true, available: true });
    const err = errorResponse('UNSUPPORTED_VERSION', 'no');
    assert.deepEqual(decodeResponse(encodeFrame(err).subarray(4)), err);
    assert.equal(codeOf(() => decodeResponse(json({ v: 1, ok: false, error: { code: 'lower', message: '' } }))), 'INVALID_REQUEST');
  });
});
