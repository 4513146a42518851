// ICredentialProvider + ICredentialProviderSetUserArray (V2, as SampleV2CredentialProvider):
// CPUS_LOGON and CPUS_UNLOCK_WORKSTATION; one Keyhatch credential per user LogonUI shows plus one
// for "Other user" on the sign-in screen; on the lock screen only the locked user's.
#pragma once
#include "ComPtr.h"
#include "credprov.h"
#include "policy.h"

class Credential;
class StatusMonitor;

class Provider final : public ICredentialProvider, public ICredentialProviderSetUserArray {
 public:
  static HRESULT Create(Provider **out);

  // IUnknown
  IFACEMETHODIMP_(ULONG) AddRef() override;
  IFACEMETHODIMP_(ULONG) Release() override;
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override;

  // ICredentialProvider
  IFACEMETHODIMP SetUsageScenario(CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus, DWORD dwFlags) override;
  IFACEMETHODIMP SetSerialization(const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *pcpcs) override;
  IFACEMETHODIMP Advise(ICredentialProviderEvents *pcpe, UINT_PTR upAdviseContext) override;
  IFACEMETHODIMP UnAdvise() override;
  IFACEMETHODIMP GetFieldDescriptorCount(DWORD *pdwCount) override;
  IFACEMETHODIMP GetFieldDescriptorAt(DWORD dwIndex, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR **ppcpfd) override;
  IFACEMETHODIMP GetCredentialCount(DWORD *pdwCount, DWORD *pdwDefault, BOOL *pbAutoLogonWithDefault) override;
  IFACEMETHODIMP GetCredentialAt(DWORD dwIndex, ICredentialProviderCredential **ppcpc) override;

  // ICredentialProviderSetUserArray
  IFACEMETHODIMP SetUserArray(ICredentialProviderUserArray *users) override;

  static const DWORD kMaxCredentials = 64;

 private:
  Provider();
  ~Provider();
  void ReleaseScenario();
  void ReleaseCredentials();
  HRESULT EnsureCredentials();
  HRESULT AddCredential(PCWSTR sid, PCWSTR qualifiedName);

  LONG refs_ = 1;
  CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario_ = CPUS_INVALID;
  KeyhatchPolicy policy_;
  StatusMonitor *monitor_ = nullptr;  // owned reference
  ComPtr<ICredentialProviderUserArray> users_;
  Credential *credentials_[kMaxCredentials] = {};
  DWORD credentialCount_ = 0;
  bool enumerated_ = false;
};
