// Builds admin-ui/dist: the admin console the gateway serves at /admin/ — one minified ES bundle,
// the kiosk's stylesheet plus the console's own rules, the HTML shell and the shared locale files.
// Run: npx tsx admin-ui/build.ts
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const repo = join(root, '..');
export const ADMIN_DIST = join(root, 'dist');

/** Builds into `dist` (default admin-ui/dist); tests build into their own directory. Returns file sizes. */
export async function buildAdminUi(dist = ADMIN_DIST): Promise<Record<string, number>> {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'locales'), { recursive: true });
  await build({
    entryPoints: [join(root, 'src/main.dom.ts')], outfile: join(dist, 'app.js'), bundle: true, minify: true, format: 'esm',
    target: ['chrome120'], platform: 'browser', legalComments: 'none', logLevel: 'warning', sourcemap: false,
  });
  copyFileSync(join(root, 'static', 'index.html'), join(dist, 'index.html'));
  writeFileSync(join(dist, 'app.css'), readFileSync(join(repo, 'kiosk-ui', 'static', 'shared', 'app.css'), 'utf8') + readFileSync(join(root, 'static', 'admin.css'), 'utf8'));
  for (const f of readdirSync(join(repo, 'locales')).filter((n) => /^[a-z]{2}\.json$/.test(n))) copyFileSync(join(repo, 'locales', f), join(dist, 'locales', f));
  return Object.fromEntries(['index.html', 'app.js', 'app.css'].map((f) => [f, statSync(join(dist, f)).size]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [f, n] of Object.entries(await buildAdminUi())) console.log(`admin/${f.padEnd(14)} ${(n / 1024).toFixed(1)} KiB`);
}
