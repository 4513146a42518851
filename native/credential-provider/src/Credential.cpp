#include "Credential.h"

#include <new>

#include "StatusMonitor.h"
#include "dll.h"
#include "helpers.h"
#include "guid.h"
#include "resource.h"
#include "serialization.h"

static const WCHAR kTitle[] = L"Keyhatch";

Credential::Credential(CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario, const KeyhatchPolicy &policy, StatusMonitor *monitor)
    : scenario_(scenario),
      policy_(policy),
      strings_(SelectLocaleStrings(policy.language)),
      states_(scenario == CPUS_UNLOCK_WORKSTATION ? s_rgUnlockFieldStates : s_rgLogonFieldStates),
      monitor_(monitor) {
  monitor_->AddRef();
  DllAddRef();
}

Credential::~Credential() {
  WipePassword();
  monitor_->Release();
  DllRelease();
}

HRESULT Credential::Create(CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario, const KeyhatchPolicy &policy, StatusMonitor *monitor,
                           PCWSTR sid, PCWSTR qualifiedName, Credential **out) {
  if (!out || !monitor) return E_POINTER;
  *out = new (std::nothrow) Credential(scenario, policy, monitor);
  if (!*out) return E_OUTOFMEMORY;
  CopyTruncated((*out)->sid_, ARRAYSIZE((*out)->sid_), sid ? sid : L"");
  CopyTruncated((*out)->qualifiedName_, ARRAYSIZE((*out)->qualifiedName_), qualifiedName ? qualifiedName : L"");
  return S_OK;
}

void Credential::WipePassword() { SecureZeroMemory(password_, sizeof(password_)); }

// Only a known user the daemon just reported as reset gets the password field.
bool Credential::NewPasswordOffered() const { return sid_[0] && qualifiedName_[0] && monitor_->WasReset(sid_); }

IFACEMETHODIMP Credential::GetUserSid(LPWSTR *sid) {
  if (!sid) return E_POINTER;
  *sid = nullptr;
  // S_FALSE with no SID: this credential belongs under "Other user".
  if (!sid_[0]) return S_FALSE;
  return CoTaskMemStrDup(sid_, sid);
}

IFACEMETHODIMP_(ULONG) Credential::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

IFACEMETHODIMP_(ULONG) Credential::Release() {
  LONG refs = InterlockedDecrement(&refs_);
  if (refs == 0) delete this;
  return static_cast<ULONG>(refs);
}

IFACEMETHODIMP Credential::QueryInterface(REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (riid == IID_IUnknown || riid == __uuidof(ICredentialProviderCredential) || riid == __uuidof(ICredentialProviderCredential2)) {
    *ppv = static_cast<ICredentialProviderCredential2 *>(this);
    AddRef();
    return S_OK;
  }
  return E_NOINTERFACE;
}

IFACEMETHODIMP Credential::Advise(ICredentialProviderCredentialEvents *pcpce) {
  events_.Reset(pcpce);
  return S_OK;
}

IFACEMETHODIMP Credential::UnAdvise() {
  events_.Reset(nullptr);
  return S_OK;
}

IFACEMETHODIMP Credential::SetSelected(BOOL *pbAutoLogon) {
  if (!pbAutoLogon) return E_POINTER;
  *pbAutoLogon = FALSE;  // this tile never logs anyone on
  return S_OK;
}

IFACEMETHODIMP Credential::SetDeselected() {
  WipePassword();
  if (events_) events_->SetFieldString(this, KFI_PASSWORD, L"");
  return S_OK;
}

// A link shows only when policy allows it and the daemon answered "available"; an unknown or
// unreachable daemon hides both links and the status line says so instead.
bool Credential::LinkVisible(DWORD field) const {
  bool allowed = field == KFI_FORGOT ? policy_.showForgotPassword : policy_.showUnlockAccount;
  return allowed && monitor_->State() == DaemonState::Available;
}

PCWSTR Credential::StatusText() const {
  if (monitor_->Launch() == LaunchState::Failed || monitor_->State() == DaemonState::Unavailable) return strings_->unavailable;
  if (NewPasswordOffered()) return strings_->signInNewPassword;
  if (monitor_->Launch() == LaunchState::Starting) return strings_->starting;
  return L"";
}

PCWSTR Credential::FieldText(DWORD field) const {
  switch (field) {
    case KFI_LABEL: return s_rgFieldDescriptors[KFI_LABEL].pszLabel;
    case KFI_TITLE: return kTitle;
    case KFI_STATUS: return StatusText();
    case KFI_FORGOT: return policy_.forgotPasswordText[0] ? policy_.forgotPasswordText : strings_->forgotPassword;
    case KFI_UNLOCK: return policy_.unlockAccountText[0] ? policy_.unlockAccountText : strings_->unlockAccount;
    case KFI_PASSWORD: return password_;
    case KFI_SUBMIT: return L"";
    default: return nullptr;
  }
}

IFACEMETHODIMP Credential::GetFieldState(DWORD dwFieldID, CREDENTIAL_PROVIDER_FIELD_STATE *pcpfs,
                                         CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE *pcpfis) {
  if (!pcpfs || !pcpfis) return E_POINTER;
  if (dwFieldID >= KFI_NUM_FIELDS) return E_INVALIDARG;
  *pcpfs = states_[dwFieldID].cpfs;
  *pcpfis = states_[dwFieldID].cpfis;
  if ((dwFieldID == KFI_FORGOT || dwFieldID == KFI_UNLOCK) && !LinkVisible(dwFieldID)) *pcpfs = CPFS_HIDDEN;
  if ((dwFieldID == KFI_PASSWORD || dwFieldID == KFI_SUBMIT) && NewPasswordOffered()) *pcpfs = CPFS_DISPLAY_IN_SELECTED_TILE;
  return S_OK;
}

IFACEMETHODIMP Credential::GetStringValue(DWORD dwFieldID, LPWSTR *ppsz) {
  if (!ppsz) return E_POINTER;
  *ppsz = nullptr;
  PCWSTR text = FieldText(dwFieldID);
  if (!text) return E_INVALIDARG;
  return CoTaskMemStrDup(text, ppsz);
}

IFACEMETHODIMP Credential::GetBitmapValue(DWORD dwFieldID, HBITMAP *phbmp) {
  if (!phbmp) return E_POINTER;
  *phbmp = nullptr;
  if (dwFieldID != KFI_TILEIMAGE) return E_INVALIDARG;
  // LogonUI owns (and deletes) the bitmap it is handed.
  HBITMAP bitmap = static_cast<HBITMAP>(LoadImageW(g_hinst, MAKEINTRESOURCEW(IDB_TILE_IMAGE), IMAGE_BITMAP, 0, 0, LR_CREATEDIBSECTION));
  if (!bitmap) return HRESULT_FROM_WIN32(GetLastError());
  *phbmp = bitmap;
  return S_OK;
}

IFACEMETHODIMP Credential::GetCheckboxValue(DWORD, BOOL *pbChecked, LPWSTR *ppszLabel) {
  if (pbChecked) *pbChecked = FALSE;
  if (ppszLabel) *ppszLabel = nullptr;
  return E_NOTIMPL;
}

IFACEMETHODIMP Credential::GetSubmitButtonValue(DWORD dwFieldID, DWORD *pdwAdjacentTo) {
  if (!pdwAdjacentTo) return E_POINTER;
  *pdwAdjacentTo = 0;
  if (dwFieldID != KFI_SUBMIT) return E_INVALIDARG;
  *pdwAdjacentTo = KFI_PASSWORD;
  return S_OK;
}

IFACEMETHODIMP Credential::GetComboBoxValueCount(DWORD, DWORD *pcItems, DWORD *pdwSelectedItem) {
  if (pcItems) *pcItems = 0;
  if (pdwSelectedItem) *pdwSelectedItem = 0;
  return E_NOTIMPL;
}

IFACEMETHODIMP Credential::GetComboBoxValueAt(DWORD, DWORD, LPWSTR *ppszItem) {
  if (ppszItem) *ppszItem = nullptr;
  return E_NOTIMPL;
}

IFACEMETHODIMP Credential::SetStringValue(DWORD dwFieldID, LPCWSTR psz) {
  if (!psz) return E_POINTER;
  if (dwFieldID != KFI_PASSWORD) return E_INVALIDARG;
  if (lstrlenW(psz) >= static_cast<int>(ARRAYSIZE(password_))) return E_INVALIDARG;
  WipePassword();
  CopyTruncated(password_, ARRAYSIZE(password_), psz);
  return S_OK;
}
IFACEMETHODIMP Credential::SetCheckboxValue(DWORD, BOOL) { return E_NOTIMPL; }
IFACEMETHODIMP Credential::SetComboBoxSelectedValue(DWORD, DWORD) { return E_NOTIMPL; }

IFACEMETHODIMP Credential::CommandLinkClicked(DWORD dwFieldID) {
  if (dwFieldID != KFI_FORGOT && dwFieldID != KFI_UNLOCK) return E_INVALIDARG;
  HRESULT hr = S_OK;
  if (!LinkVisible(dwFieldID)) {
    // The link was hidden a moment ago or the daemon just went away: say so, do nothing else.
    if (events_) events_->SetFieldString(this, KFI_STATUS, strings_->unavailable);
    return S_OK;
  }
  // No WTS or other RPC here (this is LogonUI's thread): the session id is a local query and the
  // user is the tile's own (in the unlock scenario LogonUI's user array holds the locked user).
  DWORD sessionId = 0;
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &sessionId)) hr = HRESULT_FROM_WIN32(GetLastError());
  bool unlockScenario = scenario_ == CPUS_UNLOCK_WORKSTATION;
  if (SUCCEEDED(hr)) hr = monitor_->BeginLaunch(sessionId, unlockScenario, dwFieldID == KFI_UNLOCK, unlockScenario ? qualifiedName_ : L"");
  if (events_) events_->SetFieldString(this, KFI_STATUS, SUCCEEDED(hr) ? strings_->starting : strings_->unavailable);
  return SUCCEEDED(hr) ? S_OK : hr;
}

IFACEMETHODIMP Credential::GetSerialization(CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE *pcpgsr,
                                            CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *pcpcs,
                                            LPWSTR *ppszOptionalStatusText,
                                            CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) {
  if (!pcpgsr || !pcpcs) return E_POINTER;
  *pcpgsr = CPGSR_NO_CREDENTIAL_NOT_FINISHED;
  ZeroMemory(pcpcs, sizeof(*pcpcs));
  if (ppszOptionalStatusText) *ppszOptionalStatusText = nullptr;
  if (pcpsiOptionalStatusIcon) *pcpsiOptionalStatusIcon = CPSI_NONE;
  // Without a reset of this user (or an empty field) there is nothing to submit: the tile only
  // opens the kiosk, and users sign in with the password tile.
  if (!NewPasswordOffered() || !password_[0]) return S_OK;
  WCHAR domain[256], user[257];
  HRESULT hr = SplitQualifiedName(qualifiedName_, domain, ARRAYSIZE(domain), user, ARRAYSIZE(user));
  PWSTR protectedPassword = nullptr;
  if (SUCCEEDED(hr)) hr = ProtectPasswordCopy(password_, &protectedPassword);
  BYTE *block = nullptr;
  DWORD bytes = 0;
  if (SUCCEEDED(hr)) hr = PackInteractiveUnlockLogon(scenario_, domain, user, protectedPassword, &block, &bytes);
  ULONG package = 0;
  if (SUCCEEDED(hr)) hr = LookupNegotiatePackage(&package);
  if (protectedPassword) {
    SecureZeroMemory(protectedPassword, lstrlenW(protectedPassword) * sizeof(WCHAR));
    CoTaskMemFree(protectedPassword);
  }
  WipePassword();
  if (FAILED(hr)) {
    if (block) {
      SecureZeroMemory(block, bytes);
      CoTaskMemFree(block);
    }
    return hr;
  }
  pcpcs->ulAuthenticationPackage = package;
  pcpcs->clsidCredentialProvider = CLSID_KeyhatchProvider;
  pcpcs->cbSerialization = bytes;
  pcpcs->rgbSerialization = block;
  *pcpgsr = CPGSR_RETURN_CREDENTIAL_FINISHED;
  return S_OK;
}

IFACEMETHODIMP Credential::ReportResult(LONG, LONG, LPWSTR *ppszOptionalStatusText,
                                        CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) {
  if (ppszOptionalStatusText) *ppszOptionalStatusText = nullptr;
  if (pcpsiOptionalStatusIcon) *pcpsiOptionalStatusIcon = CPSI_NONE;
  return S_OK;
}
