// Win32-only pieces shared by the addon and keyhatch-session-helper.exe (no Node-API here).
#pragma once
#include <windows.h>

#include <string>
#include <vector>

// Grants the token's user access to the window station and desktop named `desktop`
// ("WinSta0\Winlogon") of the calling process's session: no hooks, no journaling, no desktop
// switching. A NULL DACL (everyone allowed) is left as it is. On failure returns false with
// *failedCall set and the Win32 error in GetLastError().
bool GrantDesktopAccess(HANDLE token, const std::wstring &desktop, const char **failedCall);

// Quotes per the MSVC runtime rules so each argument arrives intact and alone.
std::wstring BuildCommandLine(const std::wstring &executable, const std::vector<std::wstring> &args);
