// Built-in modules the relay needs at start, loaded with require. An ESM import of a built-in builds
// its export facade by reading every export, which runs lazy getters: on Node 24 node:http's
// WebSocket/CloseEvent/MessageEvent load undici (80–115 ms measured, 10–20 ms through require),
// node:crypto's facade costs ~15 ms (under 1 ms through require) and node:tls's builds the root
// certificate list. The relay starts on every workstation at boot, so its modules take them from here.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');
export const https = require('node:https') as typeof import('node:https');
export const crypto = require('node:crypto') as typeof import('node:crypto');
export const tls = require('node:tls') as typeof import('node:tls');
