// `npm run build`'s last step: the relay's start path (daemon/src/cli/relay-first.ts and what it
// imports, ~40 modules) as one ES module beside the compiled file, which bin/keyhatch.js loads. One
// file parses and links faster than the modules of dist/ one by one (bench/relay.bench.ts measures
// both forms against a bare node:http server); every other command still runs the compiled dist/.
// Usage: npx tsx scripts/bundle-relay.ts [OUT.js]   (default dist/daemon/src/cli/relay-first.bundle.js)
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertRelayOnly } from './relay-bundle-check.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Same depth as the compiled relay-first.js: modules that find the package root from import.meta.url
// (http/ui-dir.ts) resolve alike.
const outfile = path.resolve(process.argv[2] ?? path.join(root, 'dist/daemon/src/cli/relay-first.bundle.js'));
const result = await build({
  entryPoints: [path.join(root, 'daemon/src/cli/relay-first.ts')], outfile,
  bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', metafile: true, legalComments: 'none',
});
assertRelayOnly(result.metafile, path.relative(root, outfile));
