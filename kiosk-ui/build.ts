// Builds kiosk-ui/dist/{kiosk,portal,caller-check,electron}: one minified ES bundle + CSS + HTML per page,
// the locale files, and the Electron main/preload. Run: npx tsx kiosk-ui/build.ts
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const repo = join(root, '..');
export const DIST = join(root, 'dist');

export interface BuildResult { [file: string]: number }

/** Builds into `dist` (default kiosk-ui/dist); tests build into their own directory. */
export async function buildKioskUi(dist = DIST): Promise<BuildResult> {
  rmSync(dist, { recursive: true, force: true });
  const pages = { kiosk: 'src/renderer/main.dom.ts', portal: 'src/portal/main.dom.ts', 'caller-check': 'src/caller-check/main.dom.ts' } as const;
  for (const [page, entry] of Object.entries(pages)) {
    const out = join(dist, page);
    mkdirSync(join(out, 'locales'), { recursive: true });
    await build({
      entryPoints: [join(root, entry)], outfile: join(out, 'app.js'), bundle: true, minify: true, format: 'esm',
      target: ['chrome120'], platform: 'browser', legalComments: 'none', logLevel: 'warning', sourcemap: false,
    });
    copyFileSync(join(root, 'static', page, 'index.html'), join(out, 'index.html'));
    copyFileSync(join(root, 'static', 'shared', 'app.css'), join(out, 'app.css'));
    for (const f of readdirSync(join(repo, 'locales')).filter((n) => /^[a-z]{2}\.json$/.test(n))) {
      copyFileSync(join(repo, 'locales', f), join(out, 'locales', f));
    }
  }
  const electronOut = join(dist, 'electron');
  await build({
    entryPoints: [join(root, 'src/electron/kiosk.main.ts')], outfile: join(electronOut, 'kiosk.main.mjs'), bundle: true,
    format: 'esm', platform: 'node', target: 'node20', external: ['electron'], logLevel: 'warning',
  });
  await build({
    entryPoints: [join(root, 'src/electron/kiosk.preload.ts')], outfile: join(electronOut, 'kiosk.preload.cjs'), bundle: true,
    format: 'cjs', platform: 'node', target: 'node20', external: ['electron'], logLevel: 'warning',
  });
  const sizes: BuildResult = {};
  for (const page of Object.keys(pages)) {
    for (const f of ['index.html', 'app.js', 'app.css']) sizes[`${page}/${f}`] = statSync(join(dist, page, f)).size;
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await buildKioskUi();
  for (const [f, n] of Object.entries(sizes)) console.log(`${f.padEnd(20)} ${(n / 1024).toFixed(1)} KiB`);
}
