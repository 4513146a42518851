// The credential provider interfaces LogonUI calls. The Windows SDK ships them in
// credentialprovider.h; Debian's mingw-w64 10 does not, so this file declares the subset we
// implement or call, ABI-identical to the SDK (same IIDs, same vtable order). MSVC uses the SDK.
#pragma once
#include <windows.h>
#include <unknwn.h>
#include <propidl.h>
#include <propkeydef.h>
#include <wtypes.h>

#if defined(_MSC_VER) || __has_include(<credentialprovider.h>)
#include <credentialprovider.h>
#else

typedef enum _CREDENTIAL_PROVIDER_USAGE_SCENARIO {
  CPUS_INVALID = 0,
  CPUS_LOGON,
  CPUS_UNLOCK_WORKSTATION,
  CPUS_CHANGE_PASSWORD,
  CPUS_CREDUI,
  CPUS_PLAP
} CREDENTIAL_PROVIDER_USAGE_SCENARIO;

typedef enum _CREDENTIAL_PROVIDER_FIELD_TYPE {
  CPFT_INVALID = 0,
  CPFT_LARGE_TEXT,
  CPFT_SMALL_TEXT,
  CPFT_COMMAND_LINK,
  CPFT_EDIT_TEXT,
  CPFT_PASSWORD_TEXT,
  CPFT_TILE_IMAGE,
  CPFT_CHECKBOX,
  CPFT_COMBOBOX,
  CPFT_SUBMIT_BUTTON
} CREDENTIAL_PROVIDER_FIELD_TYPE;

typedef enum _CREDENTIAL_PROVIDER_FIELD_STATE {
  CPFS_HIDDEN = 0,
  CPFS_DISPLAY_IN_SELECTED_TILE,
  CPFS_DISPLAY_IN_DESELECTED_TILE,
  CPFS_DISPLAY_IN_BOTH
} CREDENTIAL_PROVIDER_FIELD_STATE;

typedef enum _CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE {
  CPFIS_NONE = 0,
  CPFIS_READONLY,
  CPFIS_DISABLED,
  CPFIS_FOCUSED
} CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE;

typedef struct _CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR {
  DWORD dwFieldID;
  CREDENTIAL_PROVIDER_FIELD_TYPE cpft;
  LPWSTR pszLabel;
  GUID guidFieldType;
} CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR;

typedef enum _CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE {
  CPGSR_NO_CREDENTIAL_NOT_FINISHED = 0,
  CPGSR_NO_CREDENTIAL_FINISHED,
  CPGSR_RETURN_CREDENTIAL_FINISHED,
  CPGSR_RETURN_NO_CREDENTIAL_FINISHED
} CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE;

typedef enum _CREDENTIAL_PROVIDER_STATUS_ICON {
  CPSI_NONE = 0,
  CPSI_ERROR,
  CPSI_WARNING,
  CPSI_SUCCESS
} CREDENTIAL_PROVIDER_STATUS_ICON;

typedef struct _CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION {
  ULONG ulAuthenticationPackage;
  GUID clsidCredentialProvider;
  ULONG cbSerialization;
  byte *rgbSerialization;
} CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION;

#define CREDENTIAL_PROVIDER_NO_DEFAULT ((DWORD)-1)

struct ICredentialProviderCredential;

MIDL_INTERFACE("fa6fa76b-66b7-4b11-95f1-86171118e816")
ICredentialProviderCredentialEvents : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetFieldState(ICredentialProviderCredential *pcpc, DWORD dwFieldID, CREDENTIAL_PROVIDER_FIELD_STATE cpfs) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldInteractiveState(ICredentialProviderCredential *pcpc, DWORD dwFieldID, CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE cpfis) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldString(ICredentialProviderCredential *pcpc, DWORD dwFieldID, LPCWSTR psz) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldCheckbox(ICredentialProviderCredential *pcpc, DWORD dwFieldID, BOOL bChecked, LPCWSTR pszLabel) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldBitmap(ICredentialProviderCredential *pcpc, DWORD dwFieldID, HBITMAP hbmp) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldComboBoxSelectedItem(ICredentialProviderCredential *pcpc, DWORD dwFieldID, DWORD dwSelectedItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE DeleteFieldComboBoxItem(ICredentialProviderCredential *pcpc, DWORD dwFieldID, DWORD dwItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE AppendFieldComboBoxItem(ICredentialProviderCredential *pcpc, DWORD dwFieldID, LPCWSTR pszItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetFieldSubmitButton(ICredentialProviderCredential *pcpc, DWORD dwFieldID, DWORD dwAdjacentTo) = 0;
  virtual HRESULT STDMETHODCALLTYPE OnCreatingWindow(HWND *phwndOwner) = 0;
};

MIDL_INTERFACE("63913a93-40c1-481a-818d-4072ff8c70cc")
ICredentialProviderCredential : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE Advise(ICredentialProviderCredentialEvents *pcpce) = 0;
  virtual HRESULT STDMETHODCALLTYPE UnAdvise() = 0;
  virtual HRESULT STDMETHODCALLTYPE SetSelected(BOOL *pbAutoLogon) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetDeselected() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFieldState(DWORD dwFieldID, CREDENTIAL_PROVIDER_FIELD_STATE *pcpfs, CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE *pcpfis) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetStringValue(DWORD dwFieldID, LPWSTR *ppsz) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetBitmapValue(DWORD dwFieldID, HBITMAP *phbmp) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCheckboxValue(DWORD dwFieldID, BOOL *pbChecked, LPWSTR *ppszLabel) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetSubmitButtonValue(DWORD dwFieldID, DWORD *pdwAdjacentTo) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetComboBoxValueCount(DWORD dwFieldID, DWORD *pcItems, DWORD *pdwSelectedItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetComboBoxValueAt(DWORD dwFieldID, DWORD dwItem, LPWSTR *ppszItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetStringValue(DWORD dwFieldID, LPCWSTR psz) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetCheckboxValue(DWORD dwFieldID, BOOL bChecked) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetComboBoxSelectedValue(DWORD dwFieldID, DWORD dwSelectedItem) = 0;
  virtual HRESULT STDMETHODCALLTYPE CommandLinkClicked(DWORD dwFieldID) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetSerialization(CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE *pcpgsr,
                                                     CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *pcpcs,
                                                     LPWSTR *ppszOptionalStatusText,
                                                     CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) = 0;
  virtual HRESULT STDMETHODCALLTYPE ReportResult(LONG ntsStatus, LONG ntsSubstatus, LPWSTR *ppszOptionalStatusText,
                                                 CREDENTIAL_PROVIDER_STATUS_ICON *pcpsiOptionalStatusIcon) = 0;
};

MIDL_INTERFACE("34201e5a-a787-41a3-a5a4-bd6dcf2a854e")
ICredentialProviderEvents : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE CredentialsChanged(UINT_PTR upAdviseContext) = 0;
};

MIDL_INTERFACE("d27c3481-5a1c-45b2-8aaa-c20ebbe8229e")
ICredentialProvider : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetUsageScenario(CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus, DWORD dwFlags) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetSerialization(const CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION *pcpcs) = 0;
  virtual HRESULT STDMETHODCALLTYPE Advise(ICredentialProviderEvents *pcpe, UINT_PTR upAdviseContext) = 0;
  virtual HRESULT STDMETHODCALLTYPE UnAdvise() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFieldDescriptorCount(DWORD *pdwCount) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFieldDescriptorAt(DWORD dwIndex, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR **ppcpfd) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCredentialCount(DWORD *pdwCount, DWORD *pdwDefault, BOOL *pbAutoLogonWithDefault) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCredentialAt(DWORD dwIndex, ICredentialProviderCredential **ppcpc) = 0;
};

// Windows 8+: credentials grouped under user tiles (SampleV2CredentialProvider).
MIDL_INTERFACE("fd672c54-40ea-4d6e-9b49-cfb1a7507bd7")
ICredentialProviderCredential2 : public ICredentialProviderCredential {
  virtual HRESULT STDMETHODCALLTYPE GetUserSid(LPWSTR *sid) = 0;
};

typedef enum CREDENTIAL_PROVIDER_ACCOUNT_OPTIONS {
  CPAO_NONE = 0,
  CPAO_EMPTY_LOCAL = 0x1,
  CPAO_EMPTY_CONNECTED = 0x2
} CREDENTIAL_PROVIDER_ACCOUNT_OPTIONS;

MIDL_INTERFACE("13793285-3ea6-40fd-b420-15f47da41fbb")
ICredentialProviderUser : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetSid(LPWSTR *sid) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProviderID(GUID *providerID) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetStringValue(REFPROPERTYKEY key, LPWSTR *stringValue) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetValue(REFPROPERTYKEY key, PROPVARIANT *value) = 0;
};

MIDL_INTERFACE("90C119AE-0F18-4520-A1F1-114366A40FE8")
ICredentialProviderUserArray : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetProviderFilter(REFGUID guidProviderToFilterTo) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetAccountOptions(CREDENTIAL_PROVIDER_ACCOUNT_OPTIONS *options) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetCount(DWORD *userCount) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetAt(DWORD userIndex, ICredentialProviderUser **user) = 0;
};

MIDL_INTERFACE("095c1484-1c0c-4388-9c6d-500e61bf84bd")
ICredentialProviderSetUserArray : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetUserArray(ICredentialProviderUserArray *users) = 0;
};

#ifdef __CRT_UUID_DECL
__CRT_UUID_DECL(ICredentialProviderCredential2, 0xfd672c54, 0x40ea, 0x4d6e, 0x9b, 0x49, 0xcf, 0xb1, 0xa7, 0x50, 0x7b, 0xd7)
__CRT_UUID_DECL(ICredentialProviderUser, 0x13793285, 0x3ea6, 0x40fd, 0xb4, 0x20, 0x15, 0xf4, 0x7d, 0xa4, 0x1f, 0xbb)
__CRT_UUID_DECL(ICredentialProviderUserArray, 0x90c119ae, 0x0f18, 0x4520, 0xa1, 0xf1, 0x11, 0x43, 0x66, 0xa4, 0x0f, 0xe8)
__CRT_UUID_DECL(ICredentialProviderSetUserArray, 0x095c1484, 0x1c0c, 0x4388, 0x9c, 0x6d, 0x50, 0x0e, 0x61, 0xbf, 0x84, 0xbd)
__CRT_UUID_DECL(ICredentialProviderCredentialEvents, 0xfa6fa76b, 0x66b7, 0x4b11, 0x95, 0xf1, 0x86, 0x17, 0x11, 0x18, 0xe8, 0x16)
__CRT_UUID_DECL(ICredentialProviderCredential, 0x63913a93, 0x40c1, 0x481a, 0x81, 0x8d, 0x40, 0x72, 0xff, 0x8c, 0x70, 0xcc)
__CRT_UUID_DECL(ICredentialProviderEvents, 0x34201e5a, 0xa787, 0x41a3, 0xa5, 0xa4, 0xbd, 0x6d, 0xcf, 0x2a, 0x85, 0x4e)
__CRT_UUID_DECL(ICredentialProvider, 0xd27c3481, 0x5a1c, 0x45b2, 0x8a, 0xaa, 0xc2, 0x0e, 0xbb, 0xe8, 0x22, 0x9e)
#endif

// Field type GUIDs (Windows 8+): the provider's label and logo in "Sign-in options".
static const GUID CPFG_CREDENTIAL_PROVIDER_LABEL = {0x286bbff3, 0xbad4, 0x438f, {0xb0, 0x07, 0x79, 0xb7, 0x26, 0x7c, 0x3d, 0x48}};
static const GUID CPFG_CREDENTIAL_PROVIDER_LOGO = {0x2d837775, 0xf6cd, 0x464e, {0xa7, 0x45, 0x48, 0x2f, 0xd0, 0xb4, 0x74, 0x93}};

#endif

// propkey.h's PKEY_Identity_QualifiedUserName ("DOMAIN\\name" of a user tile), declared here so
// both toolchains see the same value without pulling in the shell's property-key headers.
static const PROPERTYKEY KH_PKEY_Identity_QualifiedUserName = {{0xda520e51, 0xf4e9, 0x4739, {0xac, 0x82, 0x02, 0xe0, 0xa9, 0x5c, 0x90, 0x30}}, 100};
