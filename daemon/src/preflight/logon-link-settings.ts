// The machine settings Microsoft documents as hiding or breaking a reset link on the Windows
// sign-in screen (Entra "SSPR at the Windows sign-in screen", limitations), as data: where each
// lives, when it is a problem, what it breaks for Keyhatch and how to fix it.
import { KEYHATCH_PROVIDER_CLSID } from './provider-clsid.js';

export type RegValue = number | string | string[] | undefined;

/** The registry values a rule looks at, by "HIVE\\key\\value". */
export type Values = ReadonlyMap<string, RegValue>;

export interface LogonLinkRule {
  id: string;
  /** "HKLM\\…\\Value" locations the rule reads. */
  reads: readonly string[];
  /** A message when the setting is a problem, else undefined. */
  problem(v: Values): string | undefined;
  breaks: string;
  fix: string;
}

const SYSTEM_POLICIES = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System';
const WINDOWS_SYSTEM = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\System';
const PERSONALIZATION = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Personalization';
const WINLOGON = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon';
const IE_POLICY = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';
const USER_INET = 'HKCU\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';
const PROVIDER_KEY = `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers\\${KEYHATCH_PROVIDER_CLSID}`;

const is1 = (v: RegValue): boolean => v === 1;

export const LOGON_LINK_RULES: readonly LogonLinkRule[] = [
  {
    id: 'DontDisplayLastUserName',
    reads: [`${SYSTEM_POLICIES}\\DontDisplayLastUserName`],
    problem: (v) => is1(v.get(`${SYSTEM_POLICIES}\\DontDisplayLastUserName`)) ? '"Interactive logon: Don\'t display last signed-in" is enabled' : undefined,
    breaks: 'the sign-in screen shows only an empty "Other user" form, so users must find the Keyhatch tile under Sign-in options first and the unlock screen cannot name the locked user',
    fix: 'set "Interactive logon: Don\'t display last signed-in" to Disabled (DontDisplayLastUserName=0)',
  },
  {
    id: 'HideFastUserSwitching',
    reads: [`${SYSTEM_POLICIES}\\HideFastUserSwitching`],
    problem: (v) => is1(v.get(`${SYSTEM_POLICIES}\\HideFastUserSwitching`)) ? '"Hide entry points for Fast User Switching" is enabled' : undefined,
    breaks: 'the lock screen offers no "Other user"/tile list, so the Keyhatch tile is unreachable while a session is locked',
    fix: 'set "Hide entry points for Fast User Switching" to Not configured or Disabled (HideFastUserSwitching=0)',
  },
  {
    id: 'NoLockScreen',
    reads: [`${PERSONALIZATION}\\NoLockScreen`],
    problem: (v) => is1(v.get(`${PERSONALIZATION}\\NoLockScreen`)) ? '"Do not display the lock screen" is enabled' : undefined,
    breaks: 'Windows goes straight to the credential screen in a mode where the reset link is known not to appear',
    fix: 'set "Do not display the lock screen" to Not configured (remove NoLockScreen)',
  },
  {
    id: 'DisableLockScreenAppNotifications',
    reads: [`${WINDOWS_SYSTEM}\\DisableLockScreenAppNotifications`],
    problem: (v) => is1(v.get(`${WINDOWS_SYSTEM}\\DisableLockScreenAppNotifications`)) ? '"Turn off app notifications on the lock screen" is enabled' : undefined,
    breaks: 'the reset experience on the lock screen is documented to fail with lock-screen app notifications off',
    fix: 'set "Turn off app notifications on the lock screen" to Not configured (DisableLockScreenAppNotifications=0)',
  },
  {
    id: 'scforceoption',
    reads: [`${SYSTEM_POLICIES}\\scforceoption`],
    problem: (v) => is1(v.get(`${SYSTEM_POLICIES}\\scforceoption`)) ? '"Interactive logon: Require smart card" is enabled' : undefined,
    breaks: 'only smart-card tiles are offered; a reset password cannot be used to sign in anyway',
    fix: 'do not deploy Keyhatch to smart-card-only machines, or disable "Interactive logon: Require smart card" (scforceoption=0)',
  },
  {
    id: 'CustomShell',
    reads: [`${WINLOGON}\\Shell`],
    problem: (v) => {
      const shell = v.get(`${WINLOGON}\\Shell`);
      return typeof shell === 'string' && shell.trim() !== '' && !/^(?:.*\\)?explorer\.exe$/i.test(shell.trim()) ? `the Winlogon shell is "${shell}", not explorer.exe` : undefined;
    },
    breaks: 'with a replacement shell the sign-in screen\'s reset experience is documented not to work',
    fix: 'restore Shell=explorer.exe under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon (use Assigned Access / Shell Launcher per user instead)',
  },
  {
    id: 'EnableLUA',
    reads: [`${SYSTEM_POLICIES}\\EnableLUA`],
    problem: (v) => v.get(`${SYSTEM_POLICIES}\\EnableLUA`) === 0 ? 'User Account Control is off (EnableLUA=0)' : undefined,
    breaks: 'without UAC there is no integrity-level isolation: the kiosk\'s Low-integrity sandbox is not enforced and Microsoft documents the sign-in reset as broken',
    fix: 'turn UAC on: "User Account Control: Run all administrators in Admin Approval Mode" = Enabled (EnableLUA=1), then restart',
  },
  {
    id: 'ExcludedCredentialProviders',
    reads: [`${WINDOWS_SYSTEM}\\ExcludedCredentialProviders`, `${PROVIDER_KEY}\\Disabled`],
    problem: (v) => {
      const list = v.get(`${WINDOWS_SYSTEM}\\ExcludedCredentialProviders`);
      const text = Array.isArray(list) ? list.join(',') : typeof list === 'string' ? list : '';
      if (text.toUpperCase().includes(KEYHATCH_PROVIDER_CLSID.toUpperCase())) return '"Exclude credential providers" lists the Keyhatch provider';
      if (is1(v.get(`${PROVIDER_KEY}\\Disabled`))) return 'the Keyhatch credential provider is disabled (Disabled=1 under its registration)';
      return undefined;
    },
    breaks: 'LogonUI never loads the Keyhatch tile',
    fix: `remove ${KEYHATCH_PROVIDER_CLSID} from "Exclude credential providers" (ExcludedCredentialProviders) and delete the provider's Disabled value`,
  },
  {
    id: 'PerUserProxy',
    reads: [`${IE_POLICY}\\ProxySettingsPerUser`, `${USER_INET}\\ProxyEnable`],
    problem: (v) => {
      const perUser = v.get(`${IE_POLICY}\\ProxySettingsPerUser`) !== 0;
      return perUser && is1(v.get(`${USER_INET}\\ProxyEnable`)) ? 'a proxy is configured per user only' : undefined;
    },
    breaks: 'the logon screen, the service and the kiosk account do not see a per-user proxy, so a relay that needs the proxy cannot reach its gateway and the links stay hidden',
    fix: 'make the proxy machine-wide: "Make proxy settings per-machine (rather than per-user)" = Enabled (ProxySettingsPerUser=0), or `netsh winhttp set proxy`',
  },
  {
    id: 'DelayedDesktopSwitchTimeout',
    reads: [`${SYSTEM_POLICIES}\\DelayedDesktopSwitchTimeout`],
    problem: (v) => v.get(`${SYSTEM_POLICIES}\\DelayedDesktopSwitchTimeout`) === 0 ? 'DelayedDesktopSwitchTimeout is 0' : undefined,
    breaks: 'the secure desktop is switched away immediately after sign-in events, which can tear down the kiosk window before the user sees it',
    fix: 'delete DelayedDesktopSwitchTimeout or set it to 5 or more (seconds)',
  },
];
