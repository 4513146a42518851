// Built-in modules the relay needs at start, taken with process.getBuiltinModule (Node 20.16+/22.3+)
// rather than an ESM import. An ESM import of a built-in builds its export facade by reading every
// export, which runs lazy getters: on Node 24 node:http's WebSocket/CloseEvent/MessageEvent load undici
// (80–115 ms measured, 10–20 ms without the facade), node:crypto's facade costs ~15 ms and node:tls's
// builds the root certificate list. The relay starts on every workstation at boot. (Not createRequire:
// the Windows build is a CommonJS bundle, where import.meta.url is empty.)
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
export const crypto = process.getBuiltinModule('node:crypto');
export const tls = process.getBuiltinModule('node:tls');
