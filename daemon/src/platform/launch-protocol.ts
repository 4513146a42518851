// Launch pipe protocol between the credential provider (LogonUI) and the daemon.
// Pure codec + validation: runs on any OS so the framing rules are tested under Linux Node.
// Framing: 4-byte little-endian unsigned length, then that many bytes of UTF-8 JSON.
// One request and one response per connection.
// Checked by hand, not with the schema library: the relay serves this pipe on every workstation and
// loads no npm package (scripts/msi/bundle-daemon.ts refuses a relay bundle that does).

export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE_BYTES = 4096;
export const MAX_USER_CHARS = 256;
export const LAUNCH_PIPE_PATH = '\\\\.\\pipe\\Keyhatch.Launch';

export const launchErrorCodes = [
  'BAD_FRAME',
  'MESSAGE_TOO_LARGE',
  'BAD_JSON',
  'UNSUPPORTED_VERSION',
  'INVALID_REQUEST',
  'UNAVAILABLE',
  'LAUNCH_FAILED',
  'TIMEOUT',
] as const;
export type LaunchErrorCode = (typeof launchErrorCodes)[number];

export class LaunchProtocolError extends Error {
  constructor(readonly code: LaunchErrorCode, message: string) {
    super(message);
    this.name = 'LaunchProtocolError';
  }
}

export interface StatusRequest { v: typeof PROTOCOL_VERSION; type: 'Status' }
export interface LaunchKioskRequest {
  v: typeof PROTOCOL_VERSION;
  type: 'LaunchKiosk';
  sessionId: number;
  scenario: 'logon' | 'unlock';
  action: 'reset' | 'unlock';
  user?: string;
}
export type LaunchRequest = StatusRequest | LaunchKioskRequest;

const invalid = (field: string, message: string): LaunchProtocolError => new LaunchProtocolError('INVALID_REQUEST', `${field}: ${message}`);

function onlyFields(o: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw invalid(extra, 'unrecognized field');
}

function oneOf<T extends string>(o: Record<string, unknown>, field: string, values: readonly T[]): T {
  const v = o[field];
  if (typeof v !== 'string' || !values.includes(v as T)) throw invalid(field, `expected one of ${values.join(', ')}`);
  return v as T;
}

/** The shape of a request whose version was already checked. */
function checkRequest(o: Record<string, unknown>): LaunchRequest {
  const type = oneOf(o, 'type', ['Status', 'LaunchKiosk'] as const);
  if (type === 'Status') {
    onlyFields(o, ['v', 'type']);
    return { v: PROTOCOL_VERSION, type };
  }
  onlyFields(o, ['v', 'type', 'sessionId', 'scenario', 'action', 'user']);
  const sessionId = o.sessionId;
  if (typeof sessionId !== 'number' || !Number.isInteger(sessionId) || sessionId < 0 || sessionId > 0xffffffff) throw invalid('sessionId', 'expected an integer from 0 to 4294967295');
  const request: LaunchKioskRequest = { v: PROTOCOL_VERSION, type, sessionId, scenario: oneOf(o, 'scenario', ['logon', 'unlock'] as const), action: oneOf(o, 'action', ['reset', 'unlock'] as const) };
  if (o.user !== undefined) {
    const user = o.user;
    if (typeof user !== 'string' || user.length < 1 || user.length > MAX_USER_CHARS) throw invalid('user', `expected 1 to ${MAX_USER_CHARS} characters`);
    // Control characters in a user name can only be an attack on whatever logs or displays it.
    if (/\p{Cc}/u.test(user)) throw invalid('user', 'must not contain control characters');
    request.user = user;
  }
  return request;
}

export type LaunchResponse =
  | ({ v: typeof PROTOCOL_VERSION; ok: true } & Record<string, unknown>)
  | { v: typeof PROTOCOL_VERSION; ok: false; error: { code: LaunchErrorCode; message: string } };

/** Prefixes a UTF-8 JSON body with its 4-byte little-endian length. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_MESSAGE_BYTES) {
    throw new LaunchProtocolError('MESSAGE_TOO_LARGE', `message is ${body.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
  }
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Incremental frame reader: feed chunks as they arrive; returns the body once complete.
 * Rejects an oversize length as soon as the header is in, before buffering the body.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private received = 0;

  push(chunk: Buffer): Buffer | undefined {
    this.chunks.push(chunk);
    this.received += chunk.length;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    if (all.length < 4) return undefined;
    const length = all.readUInt32LE(0);
    if (length > MAX_MESSAGE_BYTES) {
      throw new LaunchProtocolError('MESSAGE_TOO_LARGE', `frame announces ${length} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
    }
    if (length === 0) throw new LaunchProtocolError('BAD_FRAME', 'frame announces an empty body');
    if (all.length < 4 + length) return undefined;
    if (all.length > 4 + length) {
      throw new LaunchProtocolError('BAD_FRAME', 'bytes after the frame: one request per connection');
    }
    return all.subarray(4, 4 + length);
  }
}

/** Parses and validates a request body. Version is checked before the shape so old/new clients get UNSUPPORTED_VERSION. */
export function decodeRequest(body: Buffer): LaunchRequest {
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let json: unknown;
  try {
    json = JSON.parse(text.decode(body));
  } catch {
    throw new LaunchProtocolError('BAD_JSON', 'request body is not UTF-8 JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LaunchProtocolError('INVALID_REQUEST', 'request must be a JSON object');
  }
  const version = (json as { v?: unknown }).v;
  if (version !== PROTOCOL_VERSION) {
    throw new LaunchProtocolError('UNSUPPORTED_VERSION', `protocol version ${JSON.stringify(version ?? null)} is not supported; this daemon speaks v${PROTOCOL_VERSION}`);
  }
  return checkRequest(json as Record<string, unknown>);
}

export function okResponse(extra: Record<string, unknown> = {}): LaunchResponse {
  return { ...extra, v: PROTOCOL_VERSION, ok: true };
}

export function errorResponse(code: LaunchErrorCode, message: string): LaunchResponse {
  return { v: PROTOCOL_VERSION, ok: false, error: { code, message } };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ v, ok: true, ...anything }` or exactly `{ v, ok: false, error: { code, message } }`. */
function isResponse(r: unknown): r is LaunchResponse {
  if (!isObject(r) || r.v !== PROTOCOL_VERSION) return false;
  if (r.ok === true) return true;
  const e = r.error;
  return r.ok === false && Object.keys(r).length === 3 && isObject(e) && Object.keys(e).length === 2
    && typeof e.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) && typeof e.message === 'string';
}

/** Client side (tests, tools): validates a response body. */
export function decodeResponse(body: Buffer): LaunchResponse {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new LaunchProtocolError('BAD_JSON', 'response body is not JSON');
  }
  if (!isResponse(json)) throw new LaunchProtocolError('INVALID_REQUEST', 'response does not match the protocol');
  return json;
}
