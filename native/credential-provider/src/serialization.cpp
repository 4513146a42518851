#include "serialization.h"

#include <ntsecapi.h>
#include <wincred.h>

#include <new>

#include "helpers.h"

namespace {

HRESULT InitString(PCWSTR text, UNICODE_STRING *out) {
  size_t chars = lstrlenW(text);
  if (chars * sizeof(WCHAR) > 0xfffe) return E_INVALIDARG;
  out->Length = static_cast<USHORT>(chars * sizeof(WCHAR));
  out->MaximumLength = out->Length;
  out->Buffer = const_cast<PWSTR>(text);
  return S_OK;
}

// Copies one string after the structure and stores its offset in place of the pointer.
void PlaceString(BYTE *base, size_t *offset, UNICODE_STRING *target) {
  CopyMemory(base + *offset, target->Buffer, target->Length);
  target->Buffer = reinterpret_cast<PWSTR>(static_cast<UINT_PTR>(*offset));
  *offset += target->Length;
}

}  // namespace

HRESULT SplitQualifiedName(PCWSTR qualified, PWSTR domain, size_t domainChars, PWSTR user, size_t userChars) {
  if (!qualified || !domain || !user || domainChars == 0 || userChars == 0) return E_POINTER;
  domain[0] = user[0] = L'\0';
  PCWSTR slash = wcschr(qualified, L'\\');
  PCWSTR name = slash ? slash + 1 : qualified;
  size_t domainLen = slash ? static_cast<size_t>(slash - qualified) : 0;
  size_t nameLen = lstrlenW(name);
  if (nameLen == 0 || nameLen >= userChars || domainLen >= domainChars) return E_INVALIDARG;
  CopyMemory(domain, qualified, domainLen * sizeof(WCHAR));
  domain[domainLen] = L'\0';
  CopyMemory(user, name, (nameLen + 1) * sizeof(WCHAR));
  return S_OK;
}

HRESULT PackInteractiveUnlockLogon(CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus, PCWSTR domain, PCWSTR user, PCWSTR password, BYTE **out,
                                   DWORD *outBytes) {
  if (!out || !outBytes) return E_POINTER;
  *out = nullptr;
  *outBytes = 0;
  if (!domain || !user || !password) return E_POINTER;
  if (cpus != CPUS_LOGON && cpus != CPUS_UNLOCK_WORKSTATION) return E_INVALIDARG;
  KERB_INTERACTIVE_UNLOCK_LOGON kiul;
  ZeroMemory(&kiul, sizeof(kiul));
  KERB_INTERACTIVE_LOGON *logon = &kiul.Logon;
  logon->MessageType = cpus == CPUS_UNLOCK_WORKSTATION ? KerbWorkstationUnlockLogon : KerbInteractiveLogon;
  HRESULT hr = InitString(domain, &logon->LogonDomainName);
  if (SUCCEEDED(hr)) hr = InitString(user, &logon->UserName);
  if (SUCCEEDED(hr)) hr = InitString(password, &logon->Password);
  if (FAILED(hr)) return hr;
  size_t total = sizeof(kiul) + logon->LogonDomainName.Length + logon->UserName.Length + logon->Password.Length;
  BYTE *block = static_cast<BYTE *>(CoTaskMemAlloc(total));
  if (!block) return E_OUTOFMEMORY;
  size_t offset = sizeof(kiul);
  PlaceString(block, &offset, &logon->LogonDomainName);
  PlaceString(block, &offset, &logon->UserName);
  PlaceString(block, &offset, &logon->Password);
  CopyMemory(block, &kiul, sizeof(kiul));
  SecureZeroMemory(&kiul, sizeof(kiul));
  *out = block;
  *outBytes = static_cast<DWORD>(total);
  return S_OK;
}

HRESULT LookupNegotiatePackage(ULONG *package) {
  if (!package) return E_POINTER;
  *package = 0;
  HANDLE lsa = nullptr;
  NTSTATUS status = LsaConnectUntrusted(&lsa);
  if (status != 0) return HRESULT_FROM_NT(status);
  char name[] = "Negotiate";  // NEGOSSP_NAME_A
  LSA_STRING packageName = {static_cast<USHORT>(sizeof(name) - 1), static_cast<USHORT>(sizeof(name)), name};
  status = LsaLookupAuthenticationPackage(lsa, &packageName, package);
  LsaDeregisterLogonProcess(lsa);
  return status == 0 ? S_OK : HRESULT_FROM_NT(status);
}

// Wine exports CredIsProtectedW/CredProtectW as stubs that abort the process when called.
static bool RunningUnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

HRESULT ProtectPasswordCopy(PCWSTR password, PWSTR *out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  if (!password) return E_POINTER;
  size_t chars = lstrlenW(password);
  // LSA accepts the plain form too; protection keeps it out of LogonUI's heap in clear text.
  if (chars == 0 || RunningUnderWine()) return CoTaskMemStrDup(password, out);
  PWSTR copy = nullptr;
  HRESULT hr = CoTaskMemStrDup(password, &copy);
  if (FAILED(hr)) return hr;
  CRED_PROTECTION_TYPE type = CredUnprotected;
  if (CredIsProtectedW(copy, &type) && type != CredUnprotected) {
    *out = copy;
    return S_OK;
  }
  DWORD needed = 0;
  CredProtectW(FALSE, copy, static_cast<DWORD>(chars + 1), nullptr, &needed, nullptr);
  PWSTR protectedText = needed ? static_cast<PWSTR>(CoTaskMemAlloc(needed * sizeof(WCHAR))) : nullptr;
  if (protectedText && CredProtectW(FALSE, copy, static_cast<DWORD>(chars + 1), protectedText, &needed, nullptr)) {
    *out = protectedText;
    hr = S_OK;
  } else {
    hr = protectedText ? HRESULT_FROM_WIN32(GetLastError()) : E_OUTOFMEMORY;
    if (protectedText) CoTaskMemFree(protectedText);
  }
  SecureZeroMemory(copy, chars * sizeof(WCHAR));
  CoTaskMemFree(copy);
  return hr;
}
