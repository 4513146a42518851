// Test-only (test/native/desktop-grants.test.ts): the ACE editing behind GrantDesktopAccess and
// RevokeDesktopAccess (desktop_access.cc), on a kernel object with an explicit DACL, because Wine
// keeps no security descriptor on window stations and desktops (they read back as "").
// Prints JSON: the DACL before, after the grant, after the revoke and after a second revoke,
// plus what Wine reports for WinSta0\Default.
//   desktop-grant-revoke.exe
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <cstdio>
#include <string>

#include "../src/desktop_access.h"

static std::string Narrow(const std::wstring &w) { return std::string(w.begin(), w.end()); }

static bool Dacl(HANDLE object, std::string *out) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  PACL dacl = nullptr;
  if (GetSecurityInfo(object, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr, &sd) != ERROR_SUCCESS) return false;
  wchar_t *text = nullptr;
  bool ok = ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr) != FALSE;
  if (ok) *out = Narrow(text);
  LocalFree(text);
  LocalFree(sd);
  return ok;
}

int wmain() {
  // SYSTEM and Administrators only: the kiosk user is not in it until granted.
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(A;;GA;;;SY)(A;;GA;;;BA)", SDDL_REVISION_1, &sd, nullptr)) return 1;
  SECURITY_ATTRIBUTES sa = {sizeof(sa), sd, FALSE};
  HANDLE object = CreateEventW(&sa, TRUE, FALSE, nullptr);
  if (!object) return static_cast<int>(GetLastError());

  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return static_cast<int>(GetLastError());
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size)) return static_cast<int>(GetLastError());
  PSID sid = reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid;
  wchar_t *sidText = nullptr;
  ConvertSidToStringSidW(sid, &sidText);

  std::string before, granted, revoked, again;
  const char *failed = "GetSecurityInfo";
  bool ok = Dacl(object, &before);
  ok = ok && GrantAceOn(object, SE_KERNEL_OBJECT, sid, GENERIC_READ, &failed) && Dacl(object, &granted);
  ok = ok && RemoveAcesOn(object, SE_KERNEL_OBJECT, sid, &failed) && Dacl(object, &revoked);
  ok = ok && RemoveAcesOn(object, SE_KERNEL_OBJECT, sid, &failed) && Dacl(object, &again);
  std::wstring station, desktop;
  const char *ignored = nullptr;
  bool described = DescribeDesktopAccess(L"WinSta0\\Default", &station, &desktop, &ignored);
  if (!ok) {
    printf("{\"ok\":false,\"failed\":\"%s\",\"error\":%lu}\n", failed, GetLastError());
    return 0;
  }
  printf("{\"ok\":true,\"sid\":\"%s\",\"before\":\"%s\",\"granted\":\"%s\",\"revoked\":\"%s\",\"again\":\"%s\",\"winsta0\":{\"read\":%s,\"station\":\"%s\",\"desktop\":\"%s\"}}\n",
         Narrow(sidText).c_str(), before.c_str(), granted.c_str(), revoked.c_str(), again.c_str(), described ? "true" : "false",
         Narrow(station).c_str(), Narrow(desktop).c_str());
  LocalFree(sidText);
  CloseHandle(object);
  return 0;
}
