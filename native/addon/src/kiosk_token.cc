#include <windows.h>
#include "kiosk_token.h"

#include <bcrypt.h>
#include <lm.h>
#include <ntsecapi.h>
#include <sddl.h>

#include <mutex>
#include <vector>

#include "wide.h"

namespace {

bool FailWith(LaunchError *error, const char *syscall, DWORD win32 = GetLastError()) {
  error->syscall = syscall;
  error->win32 = win32;
  return false;
}

bool Refuse(LaunchError *error, const char *code, const char *message) {
  error->code = code;
  error->message = message;
  return false;
}

// 32 characters from four classes, so any complexity policy accepts it.
bool RandomPassword(wchar_t (&out)[33]) {
  static const wchar_t kClasses[4][27] = {L"ABCDEFGHJKLMNPQRSTUVWXYZ", L"abcdefghijkmnopqrstuvwxyz", L"23456789", L"!#%+-.:=?@_"};
  unsigned char random[32];
  if (!BCRYPT_SUCCESS(BCryptGenRandom(nullptr, random, sizeof(random), BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return false;
  for (int i = 0; i < 32; ++i) {
    const wchar_t *set = kClasses[i % 4];
    out[i] = set[random[i] % lstrlenW(set)];
  }
  out[32] = L'\0';
  SecureZeroMemory(random, sizeof(random));
  return true;
}

// The kiosk account may log on interactively at this machine only.
bool DenyRemoteLogon(PSID sid, LaunchError *error) {
  LSA_OBJECT_ATTRIBUTES attributes = {};
  LSA_HANDLE policy = nullptr;
  NTSTATUS status = LsaOpenPolicy(nullptr, &attributes, POLICY_LOOKUP_NAMES | POLICY_CREATE_ACCOUNT, &policy);
  if (status != 0) return FailWith(error, "LsaOpenPolicy", LsaNtStatusToWinError(status));
  wchar_t network[] = L"SeDenyNetworkLogonRight";
  wchar_t remote[] = L"SeDenyRemoteInteractiveLogonRight";
  LSA_UNICODE_STRING rights[2] = {
      {static_cast<USHORT>(lstrlenW(network) * 2), static_cast<USHORT>(sizeof(network)), network},
      {static_cast<USHORT>(lstrlenW(remote) * 2), static_cast<USHORT>(sizeof(remote)), remote},
  };
  status = LsaAddAccountRights(policy, sid, rights, 2);
  LsaClose(policy);
  if (status != 0) return FailWith(error, "LsaAddAccountRights", LsaNtStatusToWinError(status));
  return true;
}

bool TokenUserIs(HANDLE token, WELL_KNOWN_SID_TYPE type) {
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size)) return true;  // unknown: assume the worst
  return IsWellKnownSid(reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid, type) != FALSE;
}

bool IsServiceIdentity(HANDLE token) {
  return TokenUserIs(token, WinLocalSystemSid) || TokenUserIs(token, WinLocalServiceSid) || TokenUserIs(token, WinNetworkServiceSid);
}

// UF_ACCOUNTDISABLE on or off, the account's other flags untouched.
DWORD SetAccountDisabled(const wchar_t *account, bool disabled) {
  USER_INFO_1 *info = nullptr;
  NET_API_STATUS status = NetUserGetInfo(nullptr, account, 1, reinterpret_cast<BYTE **>(&info));
  if (status != NERR_Success) return status;
  DWORD flags = disabled ? (info->usri1_flags | UF_ACCOUNTDISABLE) : (info->usri1_flags & ~static_cast<DWORD>(UF_ACCOUNTDISABLE));
  bool same = flags == info->usri1_flags;
  NetApiBufferFree(info);
  if (same) return NERR_Success;
  USER_INFO_1008 change = {flags};
  return NetUserSetInfo(nullptr, account, 1008, reinterpret_cast<BYTE *>(&change), nullptr);
}

// The kiosk account's password lives only in this process's memory: set once (when the account
// is created, or the first launch after the service starts), then reused, so a click does not
// reset a password (no account-management event per launch). It is set again only if the
// stored one stops working (someone changed it).
bool SetPassword(const wchar_t *account, const wchar_t *password, bool create, LaunchError *error) {
  NET_API_STATUS status;
  if (create) {
    std::u16string comment = u"Keyhatch kiosk (disabled except while a reset window starts)";
    USER_INFO_1 info = {};
    info.usri1_name = const_cast<LPWSTR>(account);
    info.usri1_password = const_cast<LPWSTR>(password);
    info.usri1_priv = USER_PRIV_USER;
    info.usri1_comment = const_cast<LPWSTR>(W(comment));
    info.usri1_flags = UF_SCRIPT | UF_NORMAL_ACCOUNT | UF_DONT_EXPIRE_PASSWD | UF_PASSWD_CANT_CHANGE | UF_ACCOUNTDISABLE;
    status = NetUserAdd(nullptr, 1, reinterpret_cast<BYTE *>(&info), nullptr);
  } else {
    USER_INFO_1003 change = {const_cast<LPWSTR>(password)};
    status = NetUserSetInfo(nullptr, account, 1003, reinterpret_cast<BYTE *>(&change), nullptr);
  }
  return status == NERR_Success || FailWith(error, create ? "NetUserAdd" : "NetUserSetInfo(password)", status);
}

std::mutex accountLock;
wchar_t accountPassword[33] = {};

}  // namespace

bool AccountExists(const std::u16string &account, bool *disabled, DWORD *err) {
  USER_INFO_1 *info = nullptr;
  NET_API_STATUS status = NetUserGetInfo(nullptr, W(account), 1, reinterpret_cast<BYTE **>(&info));
  if (status == NERR_UserNotFound) return (*err = 0, false);
  if (status != NERR_Success) return (*err = status, false);
  *disabled = (info->usri1_flags & UF_ACCOUNTDISABLE) != 0;
  NetApiBufferFree(info);
  *err = 0;
  return true;
}

bool EnsureKioskAccount(const std::u16string &account, LaunchError *error) {
  std::lock_guard<std::mutex> lock(accountLock);
  bool disabled = false;
  DWORD err = 0;
  if (AccountExists(account, &disabled, &err)) return true;
  if (err != 0) return FailWith(error, "NetUserGetInfo", err);
  if (!RandomPassword(accountPassword)) return Refuse(error, "RANDOM_FAILED", "could not generate the kiosk account password");
  if (!SetPassword(W(account), accountPassword, true, error)) return false;
  // The account's SID, for the remote-logon denial.
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sidSize = sizeof(sid);
  wchar_t domain[256];
  DWORD domainSize = 256;
  SID_NAME_USE use;
  if (!LookupAccountNameW(nullptr, W(account), sid, &sidSize, domain, &domainSize, &use)) return FailWith(error, "LookupAccountNameW");
  return DenyRemoteLogon(sid, error);
}

bool DisableKioskAccount(const std::u16string &account, LaunchError *error) {
  std::lock_guard<std::mutex> lock(accountLock);
  DWORD status = SetAccountDisabled(W(account), true);
  // Not created yet (no installer run, no launch so far): nothing to disable.
  return status == NERR_Success || status == NERR_UserNotFound || FailWith(error, "NetUserSetInfo(disable)", status);
}

bool LogonKioskAccount(const std::u16string &account, UniqueHandle *token, LaunchError *error) {
  // One launch at a time: enable, log on, disable must not interleave with another session's.
  std::lock_guard<std::mutex> lock(accountLock);
  bool disabled = false;
  DWORD err = 0;
  bool exists = AccountExists(account, &disabled, &err);
  if (!exists && err != 0) return FailWith(error, "NetUserGetInfo", err);
  bool fresh = accountPassword[0] == L'\0';
  if (fresh && !RandomPassword(accountPassword)) return Refuse(error, "RANDOM_FAILED", "could not generate the kiosk account password");
  // Created here only when the installer did not (disabled, like the installer's).
  if ((!exists || fresh) && !SetPassword(W(account), accountPassword, !exists, error)) return false;
  // Enabled only for the LogonUser call: the token outlives the account's disabled state, so the
  // account is usable by nobody (not even with its password) between launches.
  DWORD status = SetAccountDisabled(W(account), false);
  if (status != NERR_Success) return FailWith(error, "NetUserSetInfo(enable)", status);
  bool ok = LogonUserW(W(account), L".", accountPassword, LOGON32_LOGON_INTERACTIVE, LOGON32_PROVIDER_DEFAULT, token->Put()) != FALSE;
  DWORD logonError = GetLastError();
  if (!ok && logonError == ERROR_LOGON_FAILURE && !fresh) {
    // The password was changed behind our back: set ours once more and retry.
    ok = SetPassword(W(account), accountPassword, false, error) &&
         LogonUserW(W(account), L".", accountPassword, LOGON32_LOGON_INTERACTIVE, LOGON32_PROVIDER_DEFAULT, token->Put()) != FALSE;
    logonError = GetLastError();
  }
  DWORD disableStatus = SetAccountDisabled(W(account), true);
  if (!ok) return error->syscall ? false : FailWith(error, "LogonUserW", logonError);
  if (disableStatus != NERR_Success) return FailWith(error, "NetUserSetInfo(disable)", disableStatus);

  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token->Get(), TokenUser, buffer, sizeof(buffer), &size)) return FailWith(error, "GetTokenInformation");
  if (IsServiceIdentity(token->Get())) return Refuse(error, "REFUSED_SYSTEM_TOKEN", "the kiosk account resolved to a service identity");
  return DenyRemoteLogon(reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid, error);
}

bool OpenCurrentNonServiceToken(UniqueHandle *token, LaunchError *error) {
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT | TOKEN_ADJUST_SESSIONID,
                        token->Put())) {
    return FailWith(error, "OpenProcessToken");
  }
  if (IsServiceIdentity(token->Get())) {
    return Refuse(error, "REFUSED_SYSTEM_TOKEN", "refusing to derive the kiosk token from a service identity (the kiosk never runs as SYSTEM); use the kiosk account mode");
  }
  return true;
}

bool MakeKioskToken(HANDLE source, DWORD sessionId, UniqueHandle *kioskToken, LaunchError *error) {
  // Administrators becomes deny-only even if someone added the account to it; every
  // privilege but SeChangeNotify is removed.
  BYTE adminSid[SECURITY_MAX_SID_SIZE];
  DWORD adminSize = sizeof(adminSid);
  if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, nullptr, adminSid, &adminSize)) return FailWith(error, "CreateWellKnownSid");
  SID_AND_ATTRIBUTES disable[1] = {{adminSid, 0}};
  UniqueHandle restricted;
  if (!CreateRestrictedToken(source, DISABLE_MAX_PRIVILEGE, 1, disable, 0, nullptr, 0, nullptr, restricted.Put())) {
    return FailWith(error, "CreateRestrictedToken");
  }
  if (!DuplicateTokenEx(restricted.Get(), TOKEN_ALL_ACCESS, nullptr, SecurityImpersonation, TokenPrimary, kioskToken->Put())) {
    return FailWith(error, "DuplicateTokenEx");
  }
  // Low integrity: the kiosk cannot write to medium/system objects nor send messages to
  // LogonUI's windows (UIPI).
  PSID lowSid = nullptr;
  if (!ConvertStringSidToSidW(L"S-1-16-4096", &lowSid)) return FailWith(error, "ConvertStringSidToSidW");
  TOKEN_MANDATORY_LABEL label = {};
  label.Label.Attributes = SE_GROUP_INTEGRITY;
  label.Label.Sid = lowSid;
  BOOL labelled = SetTokenInformation(kioskToken->Get(), TokenIntegrityLevel, &label, sizeof(label) + GetLengthSid(lowSid));
  DWORD labelError = GetLastError();
  LocalFree(lowSid);
  if (!labelled) return FailWith(error, "SetTokenInformation(TokenIntegrityLevel)", labelError);

  DWORD current = 0, size = 0;
  if (!GetTokenInformation(kioskToken->Get(), TokenSessionId, &current, sizeof(current), &size)) {
    return FailWith(error, "GetTokenInformation(TokenSessionId)");
  }
  // Moving a token to another session needs SeTcbPrivilege, which the service has.
  if (current != sessionId && !SetTokenInformation(kioskToken->Get(), TokenSessionId, &sessionId, sizeof(sessionId))) {
    return FailWith(error, "SetTokenInformation(TokenSessionId)");
  }
  return true;
}
