#!/usr/bin/env node
// Runs the compiled CLI (npm run build). Exit code and stderr follow CONTRACTS.md.
import { runCli } from '../dist/daemon/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
