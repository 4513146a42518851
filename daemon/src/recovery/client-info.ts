// Who is asking, as the HTTP layer established it (never as the client claims it).
export interface ClientInfo {
  /** Remote address as the daemon saw it (audit; a gate only when it is not loopback). */
  readonly source: string;
  /** The kiosk launch (or, behind the gateway, the authenticated device); 'unknown' otherwise. */
  readonly device: string;
  /** True when `device` comes from the service itself (a launch secret), never from the client. */
  readonly deviceKnown: boolean;
  /** Hash of everything that identifies this client; a session only answers to its creator. */
  readonly binding: string;
  readonly locale?: string;
  /** The workstation's own domain (reported by its relay): where a bare user name is looked up. */
  readonly domain?: string;
}
