// Entry point of the Windows service's bundle (keyhatch.cjs, CommonJS for the shipped node.exe): the
// relay's start path only (daemon/src/cli/relay-first.ts). The whole CLI is a second bundle,
// keyhatch-cli.cjs (installer/cli-entry.ts), required only for another command or role — a
// workstation's relay never parses the gateway's code and packages.
import { createRequire } from 'node:module';
import { runRelayFirst, type WholeCli } from '../daemon/src/cli/relay-first.js';

// Resolved at run time beside this bundle (import.meta.url is the bundle's own file URL there), so
// the bundler leaves the whole CLI out of this file.
const wholeCli = async (): Promise<WholeCli> => createRequire(import.meta.url)('./keyhatch-cli.cjs') as WholeCli;
void runRelayFirst(process.argv.slice(2), wholeCli).then((code) => { process.exitCode = code; });
