// Entry point of the Windows bundle (keyhatch.cjs, CommonJS for the shipped node.exe): the CLI.
import { runCli } from '../daemon/src/cli/main.js';

void runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
