// The UI's API client against a real HTTP server on port 0: headers, JSON, the error shape.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Api, ApiError, NETWORK_ERROR, errorKey } from '../../kiosk-ui/src/shared/api.js';

describe('kiosk API client', () => {
  let server: Server;
  let base = '';
  const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/api/v1/recovery') { res.statusCode = 201; res.end(JSON.stringify({ recoveryId: 'r1', factors: [], required: 1, expiresAt: 'x' })); }
        else if (req.url?.endsWith('/reset')) { res.statusCode = 422; res.end(JSON.stringify({ error: { code: 'PASSWORD_POLICY', message: 'no', violations: [{ code: 'in_history' }] } })); }
        else if (req.url?.endsWith('/cancel')) { res.statusCode = 204; res.end(); }
        else if (req.url?.endsWith('/broken')) { res.statusCode = 502; res.setHeader('content-type', 'text/html'); res.end('<html>bad gateway</html>'); }
        else { res.statusCode = 404; res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found.' } })); }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends JSON with the per-request headers and parses the answer', async () => {
    const api = new Api({ base, headers: () => ({ 'X-Keyhatch-Kiosk': 'secret-abc-0123456789' }) });
    const r = await api.startRecovery('jsmith');
    assert.equal(r.recoveryId, 'r1');
    const req = seen.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['x-keyhatch-kiosk'], 'secret-abc-0123456789');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), { username: 'jsmith' });
    assert.equal(await api.cancel('r 1/x'), undefined, '204 has no body');
    assert.equal(seen.at(-1)!.url, '/api/v1/recovery/r%201%2Fx/cancel', 'ids are URL-encoded');
    assert.equal(seen.at(-1)!.headers['content-type'], undefined, 'no body, no content type');
  });

  it('turns error bodies into ApiError with code and violations; non-JSON and network failures too', async () => {
    const api = new Api({ base });
    await assert.rejects(api.reset('r1', 'pw', false), (e: unknown) => e instanceof ApiError && e.status === 422 && e.code === 'PASSWORD_POLICY' && e.violations[0]?.code === 'in_history');
    await assert.rejects(api.request('GET', '/broken'), (e: unknown) => e instanceof ApiError && e.status === 502 && e.code === 'INTERNAL');
    await assert.rejects(new Api({ base: 'http://127.0.0.1:1' }).uiConfig(), (e: unknown) => e instanceof ApiError && e.code === NETWORK_ERROR);
  });

  it('maps codes to message keys, unknown ones to the generic message', () => {
    const has = (k: string) => ['error.RATE_LIMITED', 'error.INTERNAL'].includes(k);
    assert.equal(errorKey('RATE_LIMITED', has), 'error.RATE_LIMITED');
    assert.equal(errorKey('SOMETHING_NEW', has), 'error.INTERNAL');
  });
});
