// Win32-only pieces shared by the addon and keyhatch-session-helper.exe (no Node-API here).
#pragma once
#include <windows.h>
#include <aclapi.h>

#include <string>
#include <vector>

// Grants the token's user access to the window station and desktop named `desktop`
// ("WinSta0\Winlogon") of the calling process's session: no hooks, no journaling, no desktop
// switching. A NULL DACL (everyone allowed) is left as it is. On failure returns false with
// *failedCall set and the Win32 error in GetLastError().
bool GrantDesktopAccess(HANDLE token, const std::wstring &desktop, const char **failedCall);

// Removes every ACE naming `sid` from the DACLs of the window station and desktop named
// `desktop` in the calling process's session: what GrantDesktopAccess added, this run's or an
// earlier one's. Same failure contract as GrantDesktopAccess.
bool RevokeDesktopAccess(PSID sid, const std::wstring &desktop, const char **failedCall);

// The ACE editing behind both, on any object (the Wine test uses a kernel object: Wine keeps no
// security descriptor on window stations and desktops).
bool GrantAceOn(HANDLE object, SE_OBJECT_TYPE type, PSID sid, DWORD access, const char **failedCall);
bool RemoveAcesOn(HANDLE object, SE_OBJECT_TYPE type, PSID sid, const char **failedCall);

// The window station's and the desktop's DACLs as SDDL (for tests and diagnostics).
bool DescribeDesktopAccess(const std::wstring &desktop, std::wstring *station, std::wstring *desk, const char **failedCall);

// Quotes per the MSVC runtime rules so each argument arrives intact and alone.
std::wstring BuildCommandLine(const std::wstring &executable, const std::vector<std::wstring> &args);
