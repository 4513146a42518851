// `keyhatch kiosk-account <ensure|status|disable>`: the installer's step for the one local kiosk
// account (created disabled at install, disabled at uninstall; the service enables it only around
// each kiosk logon). Each run also appends one JSON line to <dataDir>/logs/installer.log, so an
// admin — and the MSI test under Wine — can see what the installer's custom action did (Windows
// Installer keeps no output of an EXE custom action).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type KioskAccountAction = 'ensure' | 'status' | 'disable';

export interface KioskAccountDeps {
  account: string;
  dataDir: string;
  kioskAccount: (name: string, action: KioskAccountAction) => Promise<{ exists: boolean; disabled: boolean }>;
  stdout: (line: string) => void;
}

function note(dataDir: string, entry: Record<string, unknown>): void {
  try {
    const dir = join(dataDir, 'logs');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'installer.log'), `${JSON.stringify({ ...entry, timestamp: new Date().toISOString() })}\n`);
  } catch { /* the account step itself decides the exit code, not its note */ }
}

export async function kioskAccountCommand(action: KioskAccountAction, d: KioskAccountDeps): Promise<number> {
  const base = { action: `kiosk-account.${action}`, account: d.account };
  try {
    const state = await d.kioskAccount(d.account, action);
    if (action !== 'status') note(d.dataDir, { ...base, result: 'success', exists: state.exists, disabled: state.disabled });
    d.stdout(`${d.account}: ${state.exists ? (state.disabled ? 'exists, disabled' : 'exists, ENABLED') : 'does not exist'}`);
    return 0;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (action !== 'status') note(d.dataDir, { ...base, result: 'failure', code: e.code ?? 'UNKNOWN', error: String(e.message ?? err).slice(0, 200) });
    throw err;
  }
}
