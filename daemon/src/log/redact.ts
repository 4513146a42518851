// Defence in depth: whatever a caller passes to a logger, fields whose names look like secrets are
// replaced before anything is written. Callers still must not pass secrets in messages.
const SECRET_KEY = /pass(word)?|pwd|secret|token|answer|otp|code$|^code|credential|cookie|authorization|private|key$/i;
const SAFE_KEYS = new Set(['reasonCode', 'errorCode', 'code', 'statusCode', 'exitCode', 'keyId']);

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && !SAFE_KEYS.has(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
