// Bundles the daemon/CLI for the Windows node.exe as two CommonJS files, and builds the kiosk and
// portal pages next to them. Usage: npx tsx scripts/msi/bundle-daemon.ts OUT.cjs KIOSK_DIST_DIR
// - OUT.cjs (keyhatch.cjs, what the service host and keyhatch.cmd run): the relay's start path only
//   (installer/daemon-entry.ts). Checked (scripts/relay-bundle-check.ts): no npm package and none of
//   the gateway's layers in it, or the build fails — the relay starts on every workstation at boot.
// - keyhatch-cli.cjs beside it: the whole CLI (installer/cli-entry.ts), loaded by the first for any
//   other command or role.
// import.meta.url (used to find kiosk-ui/dist and the addon) becomes the bundle's own file URL.
// better-sqlite3 and argon2 stay external: they have no Windows build here (the Node 24 move to
// node:sqlite and crypto.argon2 removes them); the build says so when the bundle still needs them.
import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKioskUi } from '../../kiosk-ui/build.js';
import { assertRelayOnly } from '../relay-bundle-check.js';

export const WHOLE_CLI_FILE = 'keyhatch-cli.cjs';

const [outfile, kioskDist] = process.argv.slice(2);
if (!outfile || !kioskDist) throw new Error('usage: bundle-daemon.ts OUT.cjs KIOSK_DIST_DIR');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const native = ['better-sqlite3', 'argon2'];
const common: BuildOptions = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'warning', metafile: true, legalComments: 'none',
  define: { 'import.meta.url': '__keyhatchModuleUrl' },
  banner: { js: 'const __keyhatchModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};

const relay = await build({ ...common, entryPoints: [path.join(root, 'installer/daemon-entry.ts')], outfile });
assertRelayOnly(relay.metafile, path.basename(outfile));

const whole = await build({ ...common, entryPoints: [path.join(root, 'installer/cli-entry.ts')], outfile: path.join(path.dirname(outfile), WHOLE_CLI_FILE), external: native });
const needed = native.filter((m) => Object.values(whole.metafile?.outputs ?? {}).some((o) => o.imports.some((i) => i.path === m)));
if (needed.length > 0) console.log(`NOTE: the bundle still imports ${needed.join(', ')} (native, no Windows build here): the store/hashing fail on Windows until they move to node:sqlite / crypto.argon2`);
await buildKioskUi(kioskDist);
