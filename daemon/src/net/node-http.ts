// node:http and node:https, loaded with require. An ESM import of a built-in builds its export facade
// by reading every export, and on Node 24 node:http's lazy WebSocket, CloseEvent and MessageEvent
// getters then load undici: 80–115 ms of the relay's cold start (measured), against 10–20 ms through
// require. The relay starts on every workstation at boot, so its modules take these from here.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');
export const https = require('node:https') as typeof import('node:https');
