// Built-in modules the relay needs, taken with process.getBuiltinModule (Node 20.16+/22.3+) rather
// than an ESM import. An ESM import of a built-in builds its export facade by reading every export,
// which runs lazy getters: on Node 24 node:http's WebSocket/CloseEvent/MessageEvent load undici
// (80–115 ms measured, 10–20 ms without the facade), node:crypto's facade costs ~15 ms and node:tls's
// builds the root certificate list. The relay starts on every workstation at boot. (Not createRequire:
// the Windows build is a CommonJS bundle, where import.meta.url is empty.)
//
// node:http serves the first answer, so it loads at once. node:https/tls (~12 ms) and node:crypto
// (~10 ms) load on first use instead — the relay reaches the gateway and checks kiosk secrets only
// after it listens. Each name stands for its module: a member read loads the module once and returns
// the module's own member (classes, so `instanceof` and `new` behave as with the module itself).
type BuiltinId = 'node:https' | 'node:crypto' | 'node:tls';

function onFirstUse<T extends object>(id: BuiltinId): T {
  return new Proxy({} as T, { get: (_target, member) => Reflect.get(process.getBuiltinModule(id) as object, member) });
}

export const http = process.getBuiltinModule('node:http');
export const https = onFirstUse<typeof import('node:https')>('node:https');
export const crypto = onFirstUse<typeof import('node:crypto')>('node:crypto');
export const tls = onFirstUse<typeof import('node:tls')>('node:tls');
