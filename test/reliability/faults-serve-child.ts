// `keyhatch serve` from the sources (bin/keyhatch.js runs the same runCli from dist/).
import { runCli } from '../../daemon/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
