// Bundles the daemon/CLI into one CommonJS file for the Windows node.exe, and builds the kiosk
// and portal pages next to it. Usage: npx tsx scripts/msi/bundle-daemon.ts OUT.cjs KIOSK_DIST_DIR
// import.meta.url (used to find kiosk-ui/dist and the addon) becomes the bundle's own file URL.
// better-sqlite3 and argon2 stay external: they have no Windows build here (the Node 24 move to
// node:sqlite and crypto.argon2 removes them); the build says so when the bundle still needs them.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKioskUi } from '../../kiosk-ui/build.js';

const [outfile, kioskDist] = process.argv.slice(2);
if (!outfile || !kioskDist) throw new Error('usage: bundle-daemon.ts OUT.cjs KIOSK_DIST_DIR');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const external = ['better-sqlite3', 'argon2'];
const result = await build({
  entryPoints: [path.join(root, 'installer/daemon-entry.ts')], outfile, bundle: true, platform: 'node', format: 'cjs',
  target: 'node22', logLevel: 'warning', external, metafile: true, legalComments: 'none',
  define: { 'import.meta.url': '__keyhatchModuleUrl' },
  banner: { js: 'const __keyhatchModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
const needed = external.filter((m) => Object.values(result.metafile.outputs).some((o) => o.imports.some((i) => i.path === m)));
if (needed.length > 0) console.log(`NOTE: the bundle still imports ${needed.join(', ')} (native, no Windows build here): the store/hashing fail on Windows until they move to node:sqlite / crypto.argon2`);
await buildKioskUi(kioskDist);
