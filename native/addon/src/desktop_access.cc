#include "desktop_access.h"

#include <aclapi.h>
#include <sddl.h>

namespace {

bool AddAce(HANDLE object, PSID sid, DWORD access, const char **failedCall, SE_OBJECT_TYPE type = SE_WINDOW_OBJECT) {
  PACL oldDacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  DWORD err = GetSecurityInfo(object, type, DACL_SECURITY_INFORMATION, nullptr, nullptr, &oldDacl, nullptr, &descriptor);
  if (err != ERROR_SUCCESS) {
    SetLastError(err);
    return (*failedCall = "GetSecurityInfo(window object)", false);
  }
  if (!oldDacl) {
    // A NULL DACL already lets everyone in; merging our ACE into it would create a DACL that
    // admits only the kiosk and locks every other process (LogonUI included) out.
    LocalFree(descriptor);
    return true;
  }
  EXPLICIT_ACCESSW ea = {};
  ea.grfAccessPermissions = access;
  ea.grfAccessMode = GRANT_ACCESS;
  ea.grfInheritance = NO_INHERITANCE;
  ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  ea.Trustee.TrusteeType = TRUSTEE_IS_USER;
  ea.Trustee.ptstrName = static_cast<LPWSTR>(sid);
  PACL newDacl = nullptr;
  err = SetEntriesInAclW(1, &ea, oldDacl, &newDacl);
  if (err == ERROR_SUCCESS) {
    err = SetSecurityInfo(object, type, DACL_SECURITY_INFORMATION, nullptr, nullptr, newDacl, nullptr);
    if (err != ERROR_SUCCESS) *failedCall = "SetSecurityInfo(window object)";
  } else {
    *failedCall = "SetEntriesInAclW";
  }
  if (newDacl) LocalFree(newDacl);
  LocalFree(descriptor);
  SetLastError(err);
  return err == ERROR_SUCCESS;
}

// Deletes every ACE naming `sid` from the object's DACL (grants from any earlier run included).
bool RemoveAces(HANDLE object, PSID sid, const char **failedCall, SE_OBJECT_TYPE type = SE_WINDOW_OBJECT) {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  DWORD err = GetSecurityInfo(object, type, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr, &descriptor);
  if (err != ERROR_SUCCESS) {
    SetLastError(err);
    return (*failedCall = "GetSecurityInfo(window object)", false);
  }
  bool changed = false;
  for (DWORD i = dacl ? dacl->AceCount : 0; i-- > 0;) {
    ACE_HEADER *ace = nullptr;
    if (!GetAce(dacl, i, reinterpret_cast<void **>(&ace))) continue;
    // Allowed and denied ACEs share one layout: header, mask, then the SID.
    if (ace->AceType != ACCESS_ALLOWED_ACE_TYPE && ace->AceType != ACCESS_DENIED_ACE_TYPE) continue;
    if (!EqualSid(&reinterpret_cast<ACCESS_ALLOWED_ACE *>(ace)->SidStart, sid)) continue;
    if (!DeleteAce(dacl, i)) {
      err = GetLastError();
      LocalFree(descriptor);
      SetLastError(err);
      return (*failedCall = "DeleteAce", false);
    }
    changed = true;
  }
  err = ERROR_SUCCESS;
  if (changed) {
    err = SetSecurityInfo(object, type, DACL_SECURITY_INFORMATION, nullptr, nullptr, dacl, nullptr);
    if (err != ERROR_SUCCESS) *failedCall = "SetSecurityInfo(window object)";
  }
  LocalFree(descriptor);
  SetLastError(err);
  return err == ERROR_SUCCESS;
}

// Opens the window station and desktop of "WinSta0\\Winlogon" (or "Winlogon") with `access`.
bool OpenStationAndDesktop(const std::wstring &desktop, ACCESS_MASK access, HWINSTA *winsta, HDESK *desk, const char **failedCall) {
  size_t slash = desktop.find(L'\\');
  std::wstring station = slash == std::wstring::npos ? L"WinSta0" : desktop.substr(0, slash);
  std::wstring name = slash == std::wstring::npos ? desktop : desktop.substr(slash + 1);
  *desk = nullptr;
  *winsta = OpenWindowStationW(station.c_str(), FALSE, access);
  if (!*winsta) return (*failedCall = "OpenWindowStationW", false);
  HWINSTA previous = GetProcessWindowStation();
  // OpenDesktop resolves names inside the process's current window station.
  if (!SetProcessWindowStation(*winsta)) return (*failedCall = "SetProcessWindowStation", false);
  *desk = OpenDesktopW(name.c_str(), 0, FALSE, access);
  DWORD err = GetLastError();
  SetProcessWindowStation(previous);
  SetLastError(err);
  if (!*desk) return (*failedCall = "OpenDesktopW", false);
  return true;
}

}  // namespace

bool GrantAceOn(HANDLE object, SE_OBJECT_TYPE type, PSID sid, DWORD access, const char **failedCall) {
  return AddAce(object, sid, access, failedCall, type);
}

bool RemoveAcesOn(HANDLE object, SE_OBJECT_TYPE type, PSID sid, const char **failedCall) { return RemoveAces(object, sid, failedCall, type); }

bool RevokeDesktopAccess(PSID sid, const std::wstring &desktop, const char **failedCall) {
  HWINSTA winsta = nullptr;
  HDESK desk = nullptr;
  bool ok = OpenStationAndDesktop(desktop, READ_CONTROL | WRITE_DAC, &winsta, &desk, failedCall);
  // Desktop first: it is the one that grants drawing on the secure desktop.
  if (ok) ok = RemoveAces(desk, sid, failedCall);
  if (ok) ok = RemoveAces(winsta, sid, failedCall);
  DWORD err = GetLastError();
  if (desk) CloseDesktop(desk);
  if (winsta) CloseWindowStation(winsta);
  SetLastError(err);
  return ok;
}

bool DescribeDesktopAccess(const std::wstring &desktop, std::wstring *station, std::wstring *desk, const char **failedCall) {
  HWINSTA winsta = nullptr;
  HDESK handle = nullptr;
  bool ok = OpenStationAndDesktop(desktop, READ_CONTROL, &winsta, &handle, failedCall);
  std::wstring *outs[2] = {station, desk};
  HANDLE objects[2] = {winsta, handle};
  for (int i = 0; ok && i < 2; ++i) {
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    PACL dacl = nullptr;
    DWORD err = GetSecurityInfo(objects[i], SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr, &descriptor);
    if (err != ERROR_SUCCESS) {
      SetLastError(err);
      ok = (*failedCall = "GetSecurityInfo(window object)", false);
      break;
    }
    wchar_t *text = nullptr;
    if (ConvertSecurityDescriptorToStringSecurityDescriptorW(descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) {
      *outs[i] = text;
      LocalFree(text);
    } else {
      ok = (*failedCall = "ConvertSecurityDescriptorToStringSecurityDescriptorW", false);
    }
    LocalFree(descriptor);
  }
  DWORD err = GetLastError();
  if (handle) CloseDesktop(handle);
  if (winsta) CloseWindowStation(winsta);
  SetLastError(err);
  return ok;
}

bool GrantDesktopAccess(HANDLE token, const std::wstring &desktop, const char **failedCall) {
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size)) return (*failedCall = "GetTokenInformation(TokenUser)", false);
  PSID sid = reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid;

  size_t slash = desktop.find(L'\\');
  std::wstring station = slash == std::wstring::npos ? L"WinSta0" : desktop.substr(0, slash);
  std::wstring name = slash == std::wstring::npos ? desktop : desktop.substr(slash + 1);
  HWINSTA winsta = OpenWindowStationW(station.c_str(), FALSE, READ_CONTROL | WRITE_DAC);
  if (!winsta) return (*failedCall = "OpenWindowStationW", false);
  bool ok = AddAce(winsta, sid, WINSTA_ACCESSGLOBALATOMS | WINSTA_ENUMDESKTOPS | WINSTA_READATTRIBUTES | WINSTA_ENUMERATE | WINSTA_READSCREEN | READ_CONTROL, failedCall);
  HDESK desk = nullptr;
  if (ok) {
    HWINSTA previous = GetProcessWindowStation();
    // OpenDesktop resolves names inside the process's current window station.
    if (!SetProcessWindowStation(winsta)) ok = (*failedCall = "SetProcessWindowStation", false);
    if (ok) {
      desk = OpenDesktopW(name.c_str(), 0, FALSE, READ_CONTROL | WRITE_DAC);
      if (!desk) ok = (*failedCall = "OpenDesktopW", false);
      SetProcessWindowStation(previous);
    }
  }
  // Deliberately absent: DESKTOP_HOOKCONTROL, DESKTOP_JOURNALRECORD/PLAYBACK, DESKTOP_SWITCHDESKTOP.
  if (ok) ok = AddAce(desk, sid, DESKTOP_READOBJECTS | DESKTOP_CREATEWINDOW | DESKTOP_CREATEMENU | DESKTOP_WRITEOBJECTS | DESKTOP_ENUMERATE | READ_CONTROL, failedCall);
  DWORD err = GetLastError();
  if (desk) CloseDesktop(desk);
  CloseWindowStation(winsta);
  SetLastError(err);
  return ok;
}

static void AppendQuoted(std::wstring *out, const std::wstring &arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    out->append(arg);
    return;
  }
  out->push_back(L'"');
  for (size_t i = 0;; ++i) {
    size_t backslashes = 0;
    while (i < arg.size() && arg[i] == L'\\') {
      ++i;
      ++backslashes;
    }
    if (i == arg.size()) {
      out->append(backslashes * 2, L'\\');
      break;
    }
    if (arg[i] == L'"') {
      out->append(backslashes * 2 + 1, L'\\');
    } else {
      out->append(backslashes, L'\\');
    }
    out->push_back(arg[i]);
  }
  out->push_back(L'"');
}

std::wstring BuildCommandLine(const std::wstring &executable, const std::vector<std::wstring> &args) {
  std::wstring line;
  AppendQuoted(&line, executable);
  for (const auto &arg : args) {
    line.push_back(L' ');
    AppendQuoted(&line, arg);
  }
  return line;
}

