#!/usr/bin/env node
// Runs the compiled CLI (npm run build). Exit code and stderr follow CONTRACTS.md.
import module from 'node:module';

// Node 22.1+: reuse V8's compiled code across starts (the relay starts on every PC at boot).
// Imported after enabling it, so the CLI's own modules are cached too.
module.enableCompileCache?.();
// `serve` in the relay role starts from one bundled file (daemon/src/cli/relay-first.ts, bundled by
// scripts/bundle-relay.ts) without loading the rest of the CLI; everything else runs the compiled dist/.
const { runRelayFirst } = await import('../dist/daemon/src/cli/relay-first.bundle.js');
process.exitCode = await runRelayFirst(process.argv.slice(2), () => import('../dist/daemon/src/cli/main.js'));
