// Entry point of the whole CLI's Windows bundle (keyhatch-cli.cjs), loaded by keyhatch.cjs
// (installer/daemon-entry.ts) for every command and role but the relay's `serve`.
export { runCli, loadRoleConfig } from '../daemon/src/cli/main.js';
