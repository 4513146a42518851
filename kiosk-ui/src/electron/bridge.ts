// The one bridge the preload exposes to the kiosk page as `window.keyhatch`. Nothing else crosses.

export interface KeyhatchBridge {
  /** The locale the launcher chose from the system / Group Policy, or null. */
  readonly locale: string | null;
  /** Ends the kiosk and returns to the logon screen. */
  exit(): void;
  /** Tells the shell the user is still active (keeps the idle timer from quitting). */
  activity(): void;
}

export const BRIDGE_KEY = 'keyhatch';
export const IPC = { exit: 'keyhatch:exit', activity: 'keyhatch:activity' } as const;
/** The preload reads the locale from this renderer argument (never a secret: those stay in main). */
export const LOCALE_ARG = '--keyhatch-locale=';
