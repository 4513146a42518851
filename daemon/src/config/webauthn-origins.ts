// Which WebAuthn origins a browser would accept for an RP ID — checked when the configuration is
// loaded, so an impossible setup fails with a message naming the key instead of a browser
// SecurityError at a locked-out user's kiosk. No dependencies: the relay loads it with the schema.

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What a browser would refuse, said at configuration time: an origin's host must be the RP ID or a
 * name under it — a browser never uses a credential of RP ID X on a page outside X — and it must be
 * https, except on loopback and for kiosk origins (`kiosk`), whose name the kiosk maps to loopback
 * itself. (Related-origin requests cannot help a loopback kiosk: localhost has no registrable domain.)
 */
export function webauthnOriginProblems(rpId: string, origins: readonly string[], kiosk = false): string[] {
  const problems: string[] = [];
  const rp = rpId.toLowerCase();
  for (const o of origins) {
    let u: URL;
    try { u = new URL(o); } catch { problems.push(`${o}: not a URL`); continue; }
    if (u.origin !== o.replace(/\/+$/, '')) { problems.push(`${o}: must be an origin only (scheme://host[:port], no path)`); continue; }
    const host = u.hostname.toLowerCase();
    const insecureOk = kiosk || LOOPBACK.has(host) || host.endsWith('.localhost');
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && insecureOk)) problems.push(`${o}: must be https (http only on loopback; kiosk origins may be http)`);
    if (host !== rp && !host.endsWith(`.${rp}`)) problems.push(`${o}: host ${host} is not ${rp} or a name under it (webauthn.rpId), so browsers refuse the key there`);
  }
  return problems;
}
