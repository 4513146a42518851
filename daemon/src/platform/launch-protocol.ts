// Launch pipe protocol between the credential provider (LogonUI) and the daemon.
// Pure codec + validation: runs on any OS so the framing rules are tested under Linux Node.
// Framing: 4-byte little-endian unsigned length, then that many bytes of UTF-8 JSON.
// One request and one response per connection.
import { z } from 'zod';

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

const statusRequest = z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('Status') });

const launchKioskRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('LaunchKiosk'),
  sessionId: z.number().int().min(0).max(0xffffffff),
  scenario: z.enum(['logon', 'unlock']),
  action: z.enum(['reset', 'unlock']),
  // Control characters in a user name can only be an attack on whatever logs or displays it.
  user: z.string().min(1).max(MAX_USER_CHARS).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters').optional(),
});

const requestSchema = z.discriminatedUnion('type', [statusRequest, launchKioskRequest]);

export type StatusRequest = z.infer<typeof statusRequest>;
export type LaunchKioskRequest = z.infer<typeof launchKioskRequest>;
export type LaunchRequest = z.infer<typeof requestSchema>;

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
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'type';
    throw new LaunchProtocolError('INVALID_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function okResponse(extra: Record<string, unknown> = {}): LaunchResponse {
  return { ...extra, v: PROTOCOL_VERSION, ok: true };
}

export function errorResponse(code: LaunchErrorCode, message: string): LaunchResponse {
  return { v: PROTOCOL_VERSION, ok: false, error: { code, message } };
}

const responseSchema = z.union([
  z.looseObject({ v: z.literal(PROTOCOL_VERSION), ok: z.literal(true) }),
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    ok: z.literal(false),
    error: z.strictObject({ code: z.string().regex(/^[A-Z][A-Z0-9_]*$/), message: z.string() }),
  }),
]);

/** Client side (tests, tools): validates a response body. */
export function decodeResponse(body: Buffer): LaunchResponse {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new LaunchProtocolError('BAD_JSON', 'response body is not JSON');
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw new LaunchProtocolError('INVALID_REQUEST', 'response does not match the protocol');
  return parsed.data as LaunchResponse;
}
