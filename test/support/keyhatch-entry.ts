// `keyhatch` from the TypeScript sources (no build needed): what bin/keyhatch.js runs from dist/.
import { runCli } from '../../daemon/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
