// The "Password help" credential: a title, a status line and the two command links, one per user
// LogonUI shows (ICredentialProviderCredential2::GetUserSid groups it under that user's tile) plus
// one for "Other user". After the daemon reports a reset of this credential's user it also offers
// a password field, "Sign in with your new password", and GetSerialization packs a
// KERB_INTERACTIVE_UNLOCK_LOGON like Microsoft's SampleV2CredentialProvider.
#pragma once
#include "ComPtr.h"
#include "credprov.h"
#include "fields.h"
#include "policy.h"
#include "strings.h"

class StatusMonitor;

class Credential final : public ICredentialProviderCredential2 {
 public:
  // sid/qualifiedName: the tile's user (empty for "Other user").
  static HRESULT Create(CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario, const KeyhatchPolicy &policy, StatusMonitor *monitor,
                        PCWSTR sid, PCWSTR qualifiedName, Credential **out);

  // IUnknown
  IFACEMETHODIMP_(ULONG) AddRef() override;
  IFACEMETHODIMP_(ULONG) Release() override;
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override;

  // ICredentialProviderCredential
  IFACEMETHODIMP Advise(ICredentialProviderCredentialEvents *pcpce) override;
  IFACEMETHODIMP UnAdvise() override;
  IFACEMETHODIMP SetSelected(BOOL *pbAutoLogon) override;
  IFACEMETHODIMP SetDeselected() override;
  IFACEMETHODIMP GetFieldState(DWORD dwFieldID, CREDENTIAL_PROVIDER_FIELD_STATE *pcpfs,
                               CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE *pcpfis) override;
  IFACEMETHODIMP GetStringValue(DWORD dwFieldID, LPWSTR *ppsz) override;
  IFACEMETHODIMP GetBitmapValue(DWORD dwFieldID, HBITMAP *phbmp) override;
  IFACEMETHODIMP GetCheckboxValue(DWORD dwFieldID, BOOL *pbChecked, LPWSTR *ppszLabel) override;
  IFACEMETHODIMP GetSubmitButtonValue(DWORD dwFieldID, DWORD *pdwAdjacentTo) override;
  IFACEMETHODIMP GetComboBoxValueCount(DWORD dwFieldID, DWORD *pcItems, DWORD *pdwSelectedItem) override;
  IFACEMETHODIMP GetComboBoxValueAt(DWORD dwFieldID, DWORD dwItem, LPWSTR *ppszItem) override;
  IFACEMETHODIMP SetStringValue(DWORD dwFieldID, LPCWSTR psz) override;
  IFACEMETHODIMP SetCheckboxValue(DWORD dwFieldID, BOOL bChecked) override;
  IFACEMETHODIMP SetComboBoxSelectedValue(DWORD dwFieldID, DWORD dwSelectedItem) override;
  IFACEMETHODIMP CommandLinkClicked(DWORD dwFieldID) override;
  IFACEMETHODIMP GetSerialization(CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE *pcpgsr,
                                  CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *pcpcs, LPWSTR *ppszOptionalStatusText,
                                  CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) override;
  IFACEMETHODIMP ReportResult(LONG ntsStatus, LONG ntsSubstatus, LPWSTR *ppszOptionalStatusText,
                              CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) override;

  // ICredentialProviderCredential2
  IFACEMETHODIMP GetUserSid(LPWSTR *sid) override;

 private:
  Credential(CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario, const KeyhatchPolicy &policy, StatusMonitor *monitor);
  ~Credential();
  bool LinkVisible(DWORD field) const;
  bool NewPasswordOffered() const;
  void WipePassword();
  PCWSTR StatusText() const;
  PCWSTR FieldText(DWORD field) const;

  LONG refs_ = 1;
  CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario_;
  KeyhatchPolicy policy_;
  const KhLocaleStrings *strings_;
  const FIELD_STATE_PAIR *states_;
  StatusMonitor *monitor_;  // owned reference
  ComPtr<ICredentialProviderCredentialEvents> events_;
  WCHAR sid_[192] = L"";
  WCHAR qualifiedName_[257] = L"";
  WCHAR password_[257] = L"";
};
