// Baseline for the recovery benchmark: a bare node:http server answering JSON of similar size.
import { createServer } from 'node:http';

const body = JSON.stringify({ recoveryId: 'x'.repeat(32), factors: [{ id: 'f1', type: 'totp' }, { id: 'f2', type: 'helpdesk' }], required: 1, expiresAt: new Date().toISOString() });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` })}\n`);
});
