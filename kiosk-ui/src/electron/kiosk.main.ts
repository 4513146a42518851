// Electron main process: a thin shell. Every decision lives in policy.ts / harden.ts (plain
// modules tested under Node); this file only creates the window and wires them in.
// Launched by the daemon as a throwaway low-privilege user on the Winlogon desktop:
//   keyhatch-kiosk --keyhatch-url=http://127.0.0.1:7788/kiosk/ [--keyhatch-locale=de-DE] [--keyhatch-idle=300]
//   with KEYHATCH_KIOSK_SECRET in the environment.
import { app, BrowserWindow, ipcMain, Menu } from 'electron';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { IPC } from './bridge.js';
import { hardenApp, hardenContents } from './harden.js';
import { IdleTimer, loopbackAliasSwitches, parseLaunch, windowOptions } from './policy.js';

const launch = (() => {
  try {
    return parseLaunch(process.argv, process.env);
  } catch (err) {
    console.error(`keyhatch-kiosk: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
})();
delete process.env.KEYHATCH_KIOSK_SECRET; // children (none expected) must not inherit it

// Chromium switches: no background traffic, no cached credentials for other sites.
for (const sw of ['disable-background-networking', 'disable-component-update', 'disable-sync', 'no-first-run', 'disable-quic']) {
  app.commandLine.appendSwitch(sw);
}
// A kiosk host name under the WebAuthn RP ID maps to loopback here, never through DNS (docs/webauthn.md).
for (const [sw, value] of loopbackAliasSwitches(launch.origin)) app.commandLine.appendSwitch(sw, value);
app.setPath('userData', join(app.getPath('temp'), `keyhatch-kiosk-${process.pid}`));

const quit = () => app.quit();
const idle = new IdleTimer(launch.idleSeconds * 1000, quit);
const hardening = { origin: launch.origin, secret: launch.secret, onActivity: () => idle.poke(), onBlocked: (what: string, detail: string) => console.warn(`blocked ${what} ${detail}`) };

hardenApp(app, hardening);
Menu.setApplicationMenu(null);
if (!app.requestSingleInstanceLock()) app.exit(0);

ipcMain.on(IPC.exit, (event) => { if (event.senderFrame?.origin === launch.origin) quit(); });
ipcMain.on(IPC.activity, (event) => { if (event.senderFrame?.origin === launch.origin) idle.poke(); });

app.on('window-all-closed', quit);
app.whenReady().then(async () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const win = new BrowserWindow(windowOptions(join(here, 'kiosk.preload.cjs'), launch.locale));
  hardenContents(win.webContents, hardening);
  win.once('ready-to-show', () => { win.show(); win.focus(); });
  idle.poke();
  await win.loadURL(launch.url);
}).catch((err: unknown) => {
  console.error(`keyhatch-kiosk: ${err instanceof Error ? err.message : String(err)}`);
  app.exit(1);
});
