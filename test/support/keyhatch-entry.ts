// `keyhatch` from the TypeScript sources (no build needed): what bin/keyhatch.js runs from dist/.
import { runRelayFirst } from '../../daemon/src/cli/relay-first.js';

process.exitCode = await runRelayFirst(process.argv.slice(2), () => import('../../daemon/src/cli/main.js'));
