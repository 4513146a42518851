// Requests node's HTTP parser refuses (header bytes it does not allow, conflicting or unsupported
// lengths and encodings, oversized headers, a request that never finishes) never reach the app, and
// node answers them with a bare "400 Bad Request". Answer them in the one error shape instead.
import type { ServerResponse } from 'node:http';
import { http } from '../net/node-builtins.js';
import type { Duplex } from 'node:stream';
import { KeyhatchError } from '../errors/catalogue.js';

const MESSAGES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'The request headers are too large.',
  ERR_HTTP_REQUEST_TIMEOUT: 'The request did not arrive in time.',
};

/** For `server.on('clientError', answerClientError)` on every listener. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A peer that went away cannot be answered.
  if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
  // The request line and headers were fine and its answer is under way (the body was what failed to
  // parse): let that answer finish, then close.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (inFlight?.headersSent) {
    if (inFlight.writableFinished) socket.end();
    else inFlight.once('finish', () => socket.end()).once('close', () => socket.destroy());
    return;
  }
  const e = new KeyhatchError('BAD_REQUEST', { message: MESSAGES[err.code ?? ''] ?? 'The request is malformed.' });
  // An answer to HEAD carries no body (the parser hands over the bytes it refused, method first).
  const head = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  const body = head ? '' : JSON.stringify(e.toJSON());
  socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    + `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`);
}
