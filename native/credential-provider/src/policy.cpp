#include "policy.h"

static void ReadDwordFlag(HKEY key, PCWSTR name, bool *value) {
  DWORD data = 0, size = sizeof(data), type = 0;
  if (RegQueryValueExW(key, name, nullptr, &type, reinterpret_cast<BYTE *>(&data), &size) == ERROR_SUCCESS &&
      type == REG_DWORD && size == sizeof(data)) {
    *value = data != 0;
  }
}

// Reads REG_SZ into a fixed buffer; oversize or wrong-typed values are ignored, not truncated,
// so an admin sees the default rather than half a sentence.
static void ReadString(HKEY key, PCWSTR name, WCHAR *buf, DWORD chars) {
  DWORD type = 0, size = (chars - 1) * sizeof(WCHAR);
  WCHAR tmp[KH_POLICY_TEXT_CHARS] = {};
  if (chars > KH_POLICY_TEXT_CHARS) return;
  if (RegQueryValueExW(key, name, nullptr, &type, reinterpret_cast<BYTE *>(tmp), &size) != ERROR_SUCCESS) return;
  if (type != REG_SZ && type != REG_EXPAND_SZ) return;
  tmp[size / sizeof(WCHAR)] = L'\0';
  // Control characters (new lines included) make no sense in a one-line link.
  for (WCHAR *p = tmp; *p; ++p) {
    if (*p < 0x20) return;
  }
  lstrcpynW(buf, tmp, static_cast<int>(chars));
}

void ReadKeyhatchPolicy(KeyhatchPolicy *policy) {
  if (!policy) return;
  *policy = KeyhatchPolicy();
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, KH_POLICY_KEY, 0, KEY_READ, &key) != ERROR_SUCCESS) return;
  ReadDwordFlag(key, L"ShowForgotPassword", &policy->showForgotPassword);
  ReadDwordFlag(key, L"ShowUnlockAccount", &policy->showUnlockAccount);
  ReadString(key, L"ForgotPasswordText", policy->forgotPasswordText, KH_POLICY_TEXT_CHARS);
  ReadString(key, L"UnlockAccountText", policy->unlockAccountText, KH_POLICY_TEXT_CHARS);
  ReadString(key, L"Language", policy->language, ARRAYSIZE(policy->language));
  RegCloseKey(key);
}
