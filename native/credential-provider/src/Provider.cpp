#include "Provider.h"

#include <new>

#include "Credential.h"
#include "StatusMonitor.h"
#include "dll.h"
#include "fields.h"
#include "helpers.h"
#include "strings.h"

Provider::Provider() { DllAddRef(); }

Provider::~Provider() {
  ReleaseScenario();
  DllRelease();
}

HRESULT Provider::Create(Provider **out) {
  if (!out) return E_POINTER;
  *out = new (std::nothrow) Provider();
  return *out ? S_OK : E_OUTOFMEMORY;
}

IFACEMETHODIMP_(ULONG) Provider::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

IFACEMETHODIMP_(ULONG) Provider::Release() {
  LONG refs = InterlockedDecrement(&refs_);
  if (refs == 0) delete this;
  return static_cast<ULONG>(refs);
}

IFACEMETHODIMP Provider::QueryInterface(REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (riid == IID_IUnknown || riid == __uuidof(ICredentialProvider)) {
    *ppv = static_cast<ICredentialProvider *>(this);
    AddRef();
    return S_OK;
  }
  if (riid == __uuidof(ICredentialProviderSetUserArray)) {
    *ppv = static_cast<ICredentialProviderSetUserArray *>(this);
    AddRef();
    return S_OK;
  }
  return E_NOINTERFACE;
}

void Provider::ReleaseCredentials() {
  for (DWORD i = 0; i < credentialCount_; ++i) {
    credentials_[i]->Release();
    credentials_[i] = nullptr;
  }
  credentialCount_ = 0;
  enumerated_ = false;
}

void Provider::ReleaseScenario() {
  ReleaseCredentials();
  if (monitor_) {
    monitor_->Stop();
    monitor_->Release();
    monitor_ = nullptr;
  }
}

IFACEMETHODIMP Provider::SetUsageScenario(CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus, DWORD) {
  if (cpus != CPUS_LOGON && cpus != CPUS_UNLOCK_WORKSTATION) return E_NOTIMPL;
  ReleaseScenario();
  scenario_ = cpus;
  ReadKeyhatchPolicy(&policy_);
  HRESULT hr = StatusMonitor::Create(&monitor_);
  if (FAILED(hr)) ReleaseScenario();
  return SUCCEEDED(hr) ? S_OK : hr;
}

IFACEMETHODIMP Provider::SetSerialization(const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *) { return E_NOTIMPL; }

IFACEMETHODIMP Provider::Advise(ICredentialProviderEvents *pcpe, UINT_PTR upAdviseContext) {
  if (!pcpe) return E_POINTER;
  if (!monitor_) return E_UNEXPECTED;
  monitor_->SetSink(pcpe, upAdviseContext);
  // Status polling starts once LogonUI listens, so the first answer can never be missed.
  HRESULT hr = monitor_->Start();
  return SUCCEEDED(hr) ? S_OK : hr;
}

IFACEMETHODIMP Provider::UnAdvise() {
  if (monitor_) monitor_->ClearSink();
  return S_OK;
}

IFACEMETHODIMP Provider::GetFieldDescriptorCount(DWORD *pdwCount) {
  if (!pdwCount) return E_POINTER;
  *pdwCount = KFI_NUM_FIELDS;
  return S_OK;
}

IFACEMETHODIMP Provider::GetFieldDescriptorAt(DWORD dwIndex, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR **ppcpfd) {
  if (!ppcpfd) return E_POINTER;
  *ppcpfd = nullptr;
  if (dwIndex >= KFI_NUM_FIELDS) return E_INVALIDARG;
  CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR descriptor = s_rgFieldDescriptors[dwIndex];
  // The password box's hint text is its label: localized.
  if (dwIndex == KFI_PASSWORD) descriptor.pszLabel = const_cast<LPWSTR>(SelectLocaleStrings(policy_.language)->signInNewPassword);
  return FieldDescriptorCoAllocCopy(descriptor, ppcpfd);
}

IFACEMETHODIMP Provider::SetUserArray(ICredentialProviderUserArray *users) {
  // LogonUI calls this before GetCredentialCount; a new array means new credentials.
  users_.Reset(users);
  ReleaseCredentials();
  return S_OK;
}

HRESULT Provider::AddCredential(PCWSTR sid, PCWSTR qualifiedName) {
  if (credentialCount_ >= kMaxCredentials) return S_FALSE;
  Credential *credential = nullptr;
  HRESULT hr = Credential::Create(scenario_, policy_, monitor_, sid, qualifiedName, &credential);
  if (SUCCEEDED(hr)) credentials_[credentialCount_++] = credential;
  return hr;
}

// One credential per user in LogonUI's array (it groups them under each user's tile by
// GetUserSid), then "Other user" on the sign-in screen. On the lock screen the array holds the
// locked user; without an array (older callers) one ungrouped credential keeps the links reachable.
HRESULT Provider::EnsureCredentials() {
  if (enumerated_) return S_OK;
  if (!monitor_) return E_UNEXPECTED;
  HRESULT hr = S_OK;
  DWORD users = 0;
  if (users_ && FAILED(users_->GetCount(&users))) users = 0;
  for (DWORD i = 0; i < users && SUCCEEDED(hr); ++i) {
    ComPtr<ICredentialProviderUser> user;
    ICredentialProviderUser *raw = nullptr;
    if (FAILED(users_->GetAt(i, &raw)) || !raw) continue;
    user.Attach(raw);
    PWSTR sid = nullptr, name = nullptr;
    if (SUCCEEDED(user->GetSid(&sid)) && sid && SUCCEEDED(user->GetStringValue(KH_PKEY_Identity_QualifiedUserName, &name)) && name) {
      hr = AddCredential(sid, name);
    }
    CoTaskMemFree(sid);
    CoTaskMemFree(name);
  }
  bool lockScreenUserKnown = scenario_ == CPUS_UNLOCK_WORKSTATION && credentialCount_ > 0;
  if (SUCCEEDED(hr) && !lockScreenUserKnown) hr = AddCredential(L"", L"");
  if (FAILED(hr)) {
    ReleaseCredentials();
    return hr;
  }
  enumerated_ = true;
  return S_OK;
}

IFACEMETHODIMP Provider::GetCredentialCount(DWORD *pdwCount, DWORD *pdwDefault, BOOL *pbAutoLogonWithDefault) {
  if (!pdwCount || !pdwDefault || !pbAutoLogonWithDefault) return E_POINTER;
  // Never the default tile (the password tile stays first) and never auto-logon. With both
  // links switched off by policy there is nothing to show, so there is no tile at all.
  *pdwCount = 0;
  *pdwDefault = CREDENTIAL_PROVIDER_NO_DEFAULT;
  *pbAutoLogonWithDefault = FALSE;
  if (!(policy_.showForgotPassword || policy_.showUnlockAccount)) return S_OK;
  HRESULT hr = EnsureCredentials();
  if (FAILED(hr)) return hr;
  *pdwCount = credentialCount_;
  return S_OK;
}

IFACEMETHODIMP Provider::GetCredentialAt(DWORD dwIndex, ICredentialProviderCredential **ppcpc) {
  if (!ppcpc) return E_POINTER;
  *ppcpc = nullptr;
  if (dwIndex >= credentialCount_) return E_INVALIDARG;
  return credentials_[dwIndex]->QueryInterface(__uuidof(ICredentialProviderCredential), reinterpret_cast<void **>(ppcpc));
}
