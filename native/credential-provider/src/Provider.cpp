#include "Provider.h"

#include <new>

#include "Credential.h"
#include "StatusMonitor.h"
#include "dll.h"
#include "fields.h"
#include "helpers.h"

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
  return E_NOINTERFACE;
}

void Provider::ReleaseScenario() {
  credential_.Reset(nullptr);
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
  Credential *credential = nullptr;
  if (SUCCEEDED(hr)) hr = Credential::Create(cpus, policy_, monitor_, &credential);
  if (SUCCEEDED(hr)) credential_.Attach(credential);
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
  return FieldDescriptorCoAllocCopy(s_rgFieldDescriptors[dwIndex], ppcpfd);
}

IFACEMETHODIMP Provider::GetCredentialCount(DWORD *pdwCount, DWORD *pdwDefault, BOOL *pbAutoLogonWithDefault) {
  if (!pdwCount || !pdwDefault || !pbAutoLogonWithDefault) return E_POINTER;
  // Never the default tile (the password tile stays first) and never auto-logon. With both
  // links switched off by policy there is nothing to show, so there is no tile at all.
  *pdwCount = (credential_ && (policy_.showForgotPassword || policy_.showUnlockAccount)) ? 1 : 0;
  *pdwDefault = CREDENTIAL_PROVIDER_NO_DEFAULT;
  *pbAutoLogonWithDefault = FALSE;
  return S_OK;
}

IFACEMETHODIMP Provider::GetCredentialAt(DWORD dwIndex, ICredentialProviderCredential **ppcpc) {
  if (!ppcpc) return E_POINTER;
  *ppcpc = nullptr;
  if (dwIndex != 0 || !credential_) return E_INVALIDARG;
  return credential_->QueryInterface(__uuidof(ICredentialProviderCredential), reinterpret_cast<void **>(ppcpc));
}
