// Binding a node:http(s) server to the configured `host:port` and naming the URL it got.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';

export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/**
 * Host names a role's server answers to besides loopback (DNS rebinding): http.allowedHosts, the
 * listen host and — where the kiosk page is served (relay, standalone) — kiosk.hostName, so that one
 * Group Policy value is enough on a workstation.
 */
export function servedHosts(c: { listen: string; http: { allowedHosts: readonly string[] }; kiosk: { hostName?: string | undefined } }, kioskPage: boolean): string[] {
  return [...c.http.allowedHosts, ...(kioskPage && c.kiosk.hostName ? [c.kiosk.hostName] : []), splitListen(c.listen).host];
}

export async function listenOn(server: Server, listen: string, scheme: 'http' | 'https'): Promise<string> {
  const { host, port } = splitListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  return `${scheme}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
}

export function closeServer(server: { close(cb: () => void): unknown; closeAllConnections(): void }): Promise<void> {
  return new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
}
