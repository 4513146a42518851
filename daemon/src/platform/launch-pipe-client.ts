// Client end of the launch pipe, for tools and tests (the real client is the credential provider).
import net from 'node:net';
import { LaunchProtocolError, MAX_MESSAGE_BYTES, decodeResponse, type LaunchResponse } from './launch-protocol.js';

/** Sends raw bytes (already framed, or deliberately malformed) and decodes the one framed response. */
export function exchangeRaw(path: string, bytes: Buffer, timeoutMs = 2000): Promise<LaunchResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new LaunchProtocolError('TIMEOUT', `no response within ${timeoutMs} ms`));
    });
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      if (all.length < 4) return reject(new LaunchProtocolError('BAD_FRAME', 'connection closed without a response'));
      const length = all.readUInt32LE(0);
      if (length > MAX_MESSAGE_BYTES || all.length !== 4 + length) {
        return reject(new LaunchProtocolError('BAD_FRAME', `response frame announces ${length} bytes, got ${all.length - 4}`));
      }
      try {
        resolve(decodeResponse(all.subarray(4)));
      } catch (err) {
        reject(err);
      }
    });
  });
}
