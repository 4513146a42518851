// Serves the built kiosk (kiosk-ui/dist/kiosk) from the relay without express: GET/HEAD only,
// paths confined to the page's directory, no dotfiles, a short list of content types.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json; charset=utf-8',
};

/** Returns false when the request is not for this page (the caller answers 404). */
export function servePage(root: string, mount: string, pathname: string, req: IncomingMessage, res: ServerResponse): 'served' | 'not-found' | 'bad' {
  if (pathname === mount) { res.writeHead(301, { location: `${mount}/` }).end(); return 'served'; }
  let rel: string;
  try { rel = decodeURIComponent(pathname.slice(mount.length + 1)); } catch { return 'bad'; }
  if (rel.includes('\0') || rel.split('/').some((p) => p.startsWith('.'))) return 'not-found';
  const base = resolve(root);
  let file = resolve(base, rel || 'index.html');
  if (file !== base && !file.startsWith(base + sep)) return 'not-found';
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file) || !statSync(file).isFile()) return 'not-found';
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(statSync(file).size), 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return 'served';
}
