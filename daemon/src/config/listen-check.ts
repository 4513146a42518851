// Standalone and relay serve plain HTTP: kiosk secrets, session ids and new passwords cross that
// socket, so they may only listen on loopback. Only the gateway (HTTPS, mutual TLS) may listen wider.
import { isIP } from 'node:net';
import { KeyhatchError } from '../errors/catalogue.js';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

export function assertListenSafe(listen: string, role: 'standalone' | 'gateway' | 'relay' = 'standalone'): void {
  if (role === 'gateway') return;
  const host = listen.slice(0, listen.lastIndexOf(':'));
  if (!isLoopbackHost(host)) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `listen: ${listen} is not a loopback address; the ${role} role speaks plain HTTP and may only listen on 127.0.0.1, ::1 or localhost (only the gateway serves HTTPS)` });
  }
}
