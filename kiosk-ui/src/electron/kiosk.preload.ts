// The preload: exposes exactly one small typed bridge (bridge.ts) as `window.keyhatch`.
// Runs sandboxed with contextIsolation; page script cannot reach ipcRenderer or anything else.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_KEY, IPC, LOCALE_ARG, type KeyhatchBridge } from './bridge.js';

const localeArg = process.argv.find((a) => a.startsWith(LOCALE_ARG));

const bridge: KeyhatchBridge = Object.freeze({
  locale: localeArg ? localeArg.slice(LOCALE_ARG.length) : null,
  exit: () => ipcRenderer.send(IPC.exit),
  activity: () => ipcRenderer.send(IPC.activity),
});

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
