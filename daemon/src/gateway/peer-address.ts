// The client's address as the gateway may believe it: the TCP peer, or — only when that peer is a
// configured trusted proxy — the nearest X-Forwarded-For entry not added by a trusted proxy.
import { isIP } from 'node:net';

function normalise(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, '');
  return v.startsWith('::ffff:') && isIP(v.slice(7)) === 4 ? v.slice(7) : v.toLowerCase();
}

export function peerAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const peer = normalise(socketAddress ?? 'unknown');
  const trusted = new Set(trustedProxies.map(normalise));
  if (!trusted.has(peer) || !forwardedFor) return peer;
  const hops = forwardedFor.split(',').map(normalise).filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) return peer; // garbage in the header: believe only the proxy itself
    if (!trusted.has(hop)) return hop;
  }
  return peer;
}
