// A stand-in for LogonUI, used only by the tests under Wine. It drives the provider through COM
// in the order LogonUI does (class factory from the registered CLSID, SetUsageScenario, Advise,
// field descriptors, credential count, credential fields, CommandLinkClicked) and prints what
// it saw as one JSON object on stdout.
//   cp-harness.exe <logon|unlock> <none|forgot|unlock> [waitMs]
// Environment: KH_HARNESS_USERS="SID=DOMAIN\name;SID=DOMAIN\name" hands the provider a user
// array (ICredentialProviderSetUserArray) as LogonUI does; KH_HARNESS_PASSWORD types that text
// into credential 0's password field and dumps its GetSerialization bytes.
#include <stdio.h>
#include <wchar.h>

#include "credprov.h"
#include <sddl.h>
#include "fields.h"
#include "guid.h"

namespace {

HANDLE g_changed = nullptr;
double g_maxCallMs = 0;  // the slowest call made on this (LogonUI's) thread

double NowMs() {
  LARGE_INTEGER freq, now;
  QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  return static_cast<double>(now.QuadPart) * 1000.0 / static_cast<double>(freq.QuadPart);
}

// Runs one provider call and records how long LogonUI's thread was held by it.
template <typename F>
HRESULT Timed(F call) {
  double start = NowMs();
  HRESULT hr = call();
  double took = NowMs() - start;
  if (took > g_maxCallMs) g_maxCallMs = took;
  return hr;
}

void PrintJsonString(const wchar_t *s) {
  putchar('"');
  for (; s && *s; ++s) {
    wchar_t c = *s;
    if (c == L'"' || c == L'\\') printf("\\%c", static_cast<char>(c));
    else if (c < 0x20 || c > 0x7e) printf("\\u%04x", static_cast<unsigned>(c));
    else putchar(static_cast<char>(c));
  }
  putchar('"');
}

class Events final : public ICredentialProviderEvents {
 public:
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override {
    if (!ppv) return E_POINTER;
    *ppv = nullptr;
    if (riid == IID_IUnknown || riid == __uuidof(ICredentialProviderEvents)) {
      *ppv = static_cast<ICredentialProviderEvents *>(this);
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  IFACEMETHODIMP_(ULONG) AddRef() override { return InterlockedIncrement(&refs); }
  IFACEMETHODIMP_(ULONG) Release() override { return InterlockedDecrement(&refs); }  // static lifetime
  IFACEMETHODIMP CredentialsChanged(UINT_PTR context) override {
    lastContext = context;
    InterlockedIncrement(&changes);
    SetEvent(g_changed);
    return S_OK;
  }
  LONG refs = 1;
  LONG changes = 0;
  UINT_PTR lastContext = 0;
};

class CredEvents final : public ICredentialProviderCredentialEvents {
 public:
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override {
    if (!ppv) return E_POINTER;
    *ppv = nullptr;
    if (riid == IID_IUnknown || riid == __uuidof(ICredentialProviderCredentialEvents)) {
      *ppv = static_cast<ICredentialProviderCredentialEvents *>(this);
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  IFACEMETHODIMP_(ULONG) AddRef() override { return InterlockedIncrement(&refs); }
  IFACEMETHODIMP_(ULONG) Release() override { return InterlockedDecrement(&refs); }
  IFACEMETHODIMP SetFieldState(ICredentialProviderCredential *, DWORD, CREDENTIAL_PROVIDER_FIELD_STATE) override { return S_OK; }
  IFACEMETHODIMP SetFieldInteractiveState(ICredentialProviderCredential *, DWORD, CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE) override { return S_OK; }
  IFACEMETHODIMP SetFieldString(ICredentialProviderCredential *, DWORD field, LPCWSTR psz) override {
    if (field == KFI_STATUS && psz) lstrcpynW(statusSet, psz, ARRAYSIZE(statusSet));
    return S_OK;
  }
  IFACEMETHODIMP SetFieldCheckbox(ICredentialProviderCredential *, DWORD, BOOL, LPCWSTR) override { return S_OK; }
  IFACEMETHODIMP SetFieldBitmap(ICredentialProviderCredential *, DWORD, HBITMAP) override { return S_OK; }
  IFACEMETHODIMP SetFieldComboBoxSelectedItem(ICredentialProviderCredential *, DWORD, DWORD) override { return S_OK; }
  IFACEMETHODIMP DeleteFieldComboBoxItem(ICredentialProviderCredential *, DWORD, DWORD) override { return S_OK; }
  IFACEMETHODIMP AppendFieldComboBoxItem(ICredentialProviderCredential *, DWORD, LPCWSTR) override { return S_OK; }
  IFACEMETHODIMP SetFieldSubmitButton(ICredentialProviderCredential *, DWORD, DWORD) override { return S_OK; }
  IFACEMETHODIMP OnCreatingWindow(HWND *phwnd) override {
    if (phwnd) *phwnd = nullptr;
    return S_OK;
  }
  LONG refs = 1;
  WCHAR statusSet[512] = L"";
};

WCHAR *CoDup(const WCHAR *s) {
  size_t bytes = (wcslen(s) + 1) * sizeof(WCHAR);
  WCHAR *out = static_cast<WCHAR *>(CoTaskMemAlloc(bytes));
  if (out) memcpy(out, s, bytes);
  return out;
}

class FakeUser final : public ICredentialProviderUser {
 public:
  FakeUser(const WCHAR *sid, const WCHAR *name) {
    lstrcpynW(sid_, sid, ARRAYSIZE(sid_));
    lstrcpynW(name_, name, ARRAYSIZE(name_));
  }
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override {
    if (!ppv) return E_POINTER;
    *ppv = nullptr;
    if (riid == IID_IUnknown || riid == __uuidof(ICredentialProviderUser)) {
      *ppv = static_cast<ICredentialProviderUser *>(this);
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  IFACEMETHODIMP_(ULONG) AddRef() override { return InterlockedIncrement(&refs); }
  IFACEMETHODIMP_(ULONG) Release() override { return InterlockedDecrement(&refs); }
  IFACEMETHODIMP GetSid(LPWSTR *sid) override { return (*sid = CoDup(sid_)) ? S_OK : E_OUTOFMEMORY; }
  IFACEMETHODIMP GetProviderID(GUID *id) override {
    *id = GUID_NULL;
    return S_OK;
  }
  IFACEMETHODIMP GetStringValue(REFPROPERTYKEY key, LPWSTR *value) override {
    *value = nullptr;
    if (!IsEqualGUID(key.fmtid, KH_PKEY_Identity_QualifiedUserName.fmtid) || key.pid != KH_PKEY_Identity_QualifiedUserName.pid) return E_INVALIDARG;
    return (*value = CoDup(name_)) ? S_OK : E_OUTOFMEMORY;
  }
  IFACEMETHODIMP GetValue(REFPROPERTYKEY, PROPVARIANT *) override { return E_NOTIMPL; }
  LONG refs = 1;
  WCHAR sid_[192];
  WCHAR name_[257];
};

class FakeUserArray final : public ICredentialProviderUserArray {
 public:
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override {
    if (!ppv) return E_POINTER;
    *ppv = nullptr;
    if (riid == IID_IUnknown || riid == __uuidof(ICredentialProviderUserArray)) {
      *ppv = static_cast<ICredentialProviderUserArray *>(this);
      AddRef();
      return S_OK;
    }
    return E_NOINTERFACE;
  }
  IFACEMETHODIMP_(ULONG) AddRef() override { return InterlockedIncrement(&refs); }
  IFACEMETHODIMP_(ULONG) Release() override { return InterlockedDecrement(&refs); }
  IFACEMETHODIMP SetProviderFilter(REFGUID) override { return S_OK; }
  IFACEMETHODIMP GetAccountOptions(CREDENTIAL_PROVIDER_ACCOUNT_OPTIONS *o) override {
    *o = CPAO_NONE;
    return S_OK;
  }
  IFACEMETHODIMP GetCount(DWORD *n) override {
    *n = count;
    return S_OK;
  }
  IFACEMETHODIMP GetAt(DWORD i, ICredentialProviderUser **user) override {
    *user = nullptr;
    if (i >= count) return E_INVALIDARG;
    users[i]->AddRef();
    *user = users[i];
    return S_OK;
  }
  LONG refs = 1;
  DWORD count = 0;
  FakeUser *users[8] = {};
};

// "SID=DOMAIN\name;SID=DOMAIN\name"
void ParseUsers(WCHAR *spec, FakeUserArray *array) {
  for (WCHAR *entry = spec; entry && *entry && array->count < ARRAYSIZE(array->users);) {
    WCHAR *next = wcschr(entry, L';');
    if (next) *next++ = L'\0';
    WCHAR *eq = wcschr(entry, L'=');
    if (eq) {
      *eq = L'\0';
      array->users[array->count++] = new FakeUser(entry, eq + 1);
    }
    entry = next;
  }
}

bool WaitChanged(DWORD ms) { return WaitForSingleObject(g_changed, ms) == WAIT_OBJECT_0; }

HRESULT CreateProvider(ICredentialProvider **out) {
  IClassFactory *factory = nullptr;
  HRESULT hr = CoGetClassObject(CLSID_KeyhatchProvider, CLSCTX_INPROC_SERVER, nullptr, IID_IClassFactory,
                                reinterpret_cast<void **>(&factory));
  if (SUCCEEDED(hr)) {
    hr = factory->CreateInstance(nullptr, __uuidof(ICredentialProvider), reinterpret_cast<void **>(out));
    factory->Release();
  }
  return hr;
}

void PrintFields(ICredentialProviderCredential *cred) {
  printf("[");
  for (DWORD i = 0; i < KFI_NUM_FIELDS; ++i) {
    CREDENTIAL_PROVIDER_FIELD_STATE state = CPFS_HIDDEN;
    CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE interactive = CPFIS_NONE;
    HRESULT hrState = Timed([&] { return cred->GetFieldState(i, &state, &interactive); });
    LPWSTR text = nullptr;
    HRESULT hrText = Timed([&] { return cred->GetStringValue(i, &text); });
    printf("%s{\"id\":%lu,\"stateHr\":%ld,\"state\":%d,\"textHr\":%ld,\"text\":", i ? "," : "", i, hrState, state, hrText);
    PrintJsonString(text);
    printf("}");
    CoTaskMemFree(text);
  }
  printf("]");
}

}  // namespace

int wmain(int argc, wchar_t **argv) {
  if (argc < 3) {
    fwprintf(stderr, L"usage: cp-harness <logon|unlock> <none|forgot|unlock> [waitMs]\n");
    return 2;
  }
  CREDENTIAL_PROVIDER_USAGE_SCENARIO scenario = wcscmp(argv[1], L"unlock") == 0 ? CPUS_UNLOCK_WORKSTATION : CPUS_LOGON;
  DWORD click = wcscmp(argv[2], L"forgot") == 0 ? KFI_FORGOT : wcscmp(argv[2], L"unlock") == 0 ? KFI_UNLOCK : KFI_NUM_FIELDS;
  DWORD waitMs = argc > 3 ? static_cast<DWORD>(_wtoi(argv[3])) : 5000;
  g_changed = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  HRESULT hr = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);
  if (FAILED(hr)) return 3;

  DWORD session = 0;
  ProcessIdToSessionId(GetCurrentProcessId(), &session);
  printf("{\"sessionId\":%lu", session);
  // This process's own user SID: under Wine every process (the test daemon too) runs as it.
  HANDLE self = nullptr;
  BYTE userBuffer[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
  DWORD userSize = 0;
  LPWSTR selfSid = nullptr;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &self) &&
      GetTokenInformation(self, TokenUser, userBuffer, sizeof(userBuffer), &userSize)) {
    ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER *>(userBuffer)->User.Sid, &selfSid);
  }
  if (self) CloseHandle(self);
  printf(",\"selfSid\":");
  PrintJsonString(selfSid ? selfSid : L"");
  if (selfSid) LocalFree(selfSid);

  // Every scenario LogonUI and CredUI know: only logon and unlock are supported.
  const CREDENTIAL_PROVIDER_USAGE_SCENARIO all[] = {CPUS_LOGON, CPUS_UNLOCK_WORKSTATION, CPUS_CHANGE_PASSWORD, CPUS_CREDUI, CPUS_PLAP};
  printf(",\"scenarios\":[");
  for (size_t i = 0; i < ARRAYSIZE(all); ++i) {
    ICredentialProvider *p = nullptr;
    HRESULT hrCreate = CreateProvider(&p);
    HRESULT hrScenario = SUCCEEDED(hrCreate) ? p->SetUsageScenario(all[i], 0) : hrCreate;
    printf("%s{\"cpus\":%d,\"hr\":%ld}", i ? "," : "", all[i], hrScenario);
    if (p) p->Release();
  }
  printf("]");

  ICredentialProvider *provider = nullptr;
  hr = CreateProvider(&provider);
  printf(",\"createHr\":%ld", hr);
  if (FAILED(hr)) {
    printf("}\n");
    return 4;
  }
  Events events;
  CredEvents credEvents;
  hr = Timed([&] { return provider->SetUsageScenario(scenario, 0); });
  printf(",\"setUsageScenarioHr\":%ld", hr);
  static WCHAR usersSpec[2048];
  FakeUserArray userArray;
  if (GetEnvironmentVariableW(L"KH_HARNESS_USERS", usersSpec, ARRAYSIZE(usersSpec))) {
    ParseUsers(usersSpec, &userArray);
    ICredentialProviderSetUserArray *setter = nullptr;
    HRESULT hrQi = provider->QueryInterface(__uuidof(ICredentialProviderSetUserArray), reinterpret_cast<void **>(&setter));
    HRESULT hrSet = setter ? Timed([&] { return setter->SetUserArray(&userArray); }) : hrQi;
    if (setter) setter->Release();
    printf(",\"setUserArrayHr\":%ld", hrSet);
  }
  double adviseAt = NowMs();
  hr = Timed([&] { return provider->Advise(&events, 0x4b48); });
  printf(",\"adviseHr\":%ld", hr);
  bool changed = WaitChanged(waitMs);
  printf(",\"statusNotified\":%s,\"statusNotifyMs\":%.1f,\"adviseContext\":%llu", changed ? "true" : "false",
         NowMs() - adviseAt, static_cast<unsigned long long>(events.lastContext));

  DWORD fieldCount = 0;
  provider->GetFieldDescriptorCount(&fieldCount);
  printf(",\"descriptors\":[");
  for (DWORD i = 0; i < fieldCount; ++i) {
    CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR *fd = nullptr;
    HRESULT hrFd = provider->GetFieldDescriptorAt(i, &fd);
    printf("%s{\"hr\":%ld", i ? "," : "", hrFd);
    if (fd) {
      printf(",\"id\":%lu,\"type\":%d,\"providerLabel\":%s,\"providerLogo\":%s,\"label\":", fd->dwFieldID, fd->cpft,
             IsEqualGUID(fd->guidFieldType, CPFG_CREDENTIAL_PROVIDER_LABEL) ? "true" : "false",
             IsEqualGUID(fd->guidFieldType, CPFG_CREDENTIAL_PROVIDER_LOGO) ? "true" : "false");
      PrintJsonString(fd->pszLabel);
      CoTaskMemFree(fd->pszLabel);
      CoTaskMemFree(fd);
    }
    printf("}");
  }
  CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR *bad = reinterpret_cast<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR *>(1);
  HRESULT hrBad = provider->GetFieldDescriptorAt(fieldCount, &bad);
  printf("],\"descriptorOutOfRangeHr\":%ld,\"descriptorOutOfRangeNulled\":%s", hrBad, bad == nullptr ? "true" : "false");

  DWORD count = 0, def = 0;
  BOOL autoLogon = TRUE;
  hr = Timed([&] { return provider->GetCredentialCount(&count, &def, &autoLogon); });
  printf(",\"credentialCount\":%lu,\"defaultCredential\":%ld,\"autoLogon\":%s,\"nullCountHr\":%ld", count,
         static_cast<LONG>(def), autoLogon ? "true" : "false", provider->GetCredentialCount(nullptr, &def, &autoLogon));

  // Which user each credential belongs to (ICredentialProviderCredential2::GetUserSid).
  printf(",\"credentials\":[");
  for (DWORD i = 0; i < count; ++i) {
    ICredentialProviderCredential *c = nullptr;
    ICredentialProviderCredential2 *c2 = nullptr;
    HRESULT hrAt = provider->GetCredentialAt(i, &c);
    HRESULT hrQi = c ? c->QueryInterface(__uuidof(ICredentialProviderCredential2), reinterpret_cast<void **>(&c2)) : hrAt;
    LPWSTR sid = nullptr;
    HRESULT hrSid = c2 ? Timed([&] { return c2->GetUserSid(&sid); }) : hrQi;
    printf("%s{\"v2Hr\":%ld,\"sidHr\":%ld,\"sid\":", i ? "," : "", hrQi, hrSid);
    if (sid) PrintJsonString(sid);
    else printf("null");
    printf("}");
    CoTaskMemFree(sid);
    if (c2) c2->Release();
    if (c) c->Release();
  }
  printf("]");

  ICredentialProviderCredential *cred = nullptr;
  if (count > 0 && SUCCEEDED(provider->GetCredentialAt(0, &cred))) {
    cred->Advise(&credEvents);
    BOOL autoOnSelect = TRUE;
    cred->SetSelected(&autoOnSelect);
    printf(",\"autoLogonOnSelect\":%s,\"fields\":", autoOnSelect ? "true" : "false");
    PrintFields(cred);
    LPWSTR text = reinterpret_cast<LPWSTR>(1);
    HRESULT hrBadField = cred->GetStringValue(99, &text);
    printf(",\"badFieldHr\":%ld,\"badFieldNulled\":%s", hrBadField, text == nullptr ? "true" : "false");
    printf(",\"nullOutHr\":%ld", cred->GetStringValue(KFI_TITLE, nullptr));
    // The logo: a bitmap LogonUI would own and delete.
    HBITMAP bitmap = nullptr;
    HRESULT hrBitmap = Timed([&] { return cred->GetBitmapValue(KFI_TILEIMAGE, &bitmap); });
    BITMAP info = {};
    if (bitmap) GetObjectW(bitmap, sizeof(info), &info);
    printf(",\"bitmapHr\":%ld,\"bitmapWidth\":%ld,\"bitmapHeight\":%ld,\"bitmapBits\":%d", hrBitmap, info.bmWidth, info.bmHeight,
           info.bmBitsPixel);
    if (bitmap) DeleteObject(bitmap);
    HBITMAP wrong = reinterpret_cast<HBITMAP>(1);
    HRESULT hrWrongBitmap = cred->GetBitmapValue(KFI_TITLE, &wrong);
    printf(",\"bitmapWrongFieldHr\":%ld,\"bitmapWrongFieldNulled\":%s", hrWrongBitmap, wrong == nullptr ? "true" : "false");
    CREDENTIAL_PROVIDER_GET_SERIALIZATION_RESPONSE gsr = CPGSR_RETURN_CREDENTIAL_FINISHED;
    CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION cpcs = {};
    LPWSTR statusText = nullptr;
    CREDENTIAL_PROVIDER_STATUS_ICON icon = CPSI_ERROR;
    hr = cred->GetSerialization(&gsr, &cpcs, &statusText, &icon);
    printf(",\"serializationHr\":%ld,\"serializationResponse\":%d,\"serializationBytes\":%lu", hr, gsr, cpcs.cbSerialization);
    CoTaskMemFree(cpcs.rgbSerialization);
    static WCHAR typed[257];
    if (GetEnvironmentVariableW(L"KH_HARNESS_PASSWORD", typed, ARRAYSIZE(typed))) {
      // The user types the new password into the field and presses the arrow.
      DWORD adjacent = 99;
      HRESULT hrSubmit = cred->GetSubmitButtonValue(KFI_SUBMIT, &adjacent);
      HRESULT hrType = Timed([&] { return cred->SetStringValue(KFI_PASSWORD, typed); });
      CREDENTIAL_PROVIDER_CREDENTIAL_SERIALIZATION packed = {};
      gsr = CPGSR_NO_CREDENTIAL_NOT_FINISHED;
      hr = Timed([&] { return cred->GetSerialization(&gsr, &packed, &statusText, &icon); });
      printf(",\"submitHr\":%ld,\"submitAdjacentTo\":%lu,\"typeHr\":%ld,\"packedHr\":%ld,\"packedResponse\":%d,\"packedPackage\":%lu,\"packedClsidOk\":%s,\"packedHex\":\"",
             hrSubmit, adjacent, hrType, hr, gsr, packed.ulAuthenticationPackage,
             IsEqualGUID(packed.clsidCredentialProvider, CLSID_KeyhatchProvider) ? "true" : "false");
      for (ULONG b = 0; b < packed.cbSerialization; ++b) printf("%02x", packed.rgbSerialization[b]);
      printf("\"");
      CoTaskMemFree(packed.rgbSerialization);
    }
    if (click != KFI_NUM_FIELDS) {
      ResetEvent(g_changed);
      double clickAt = NowMs();
      hr = Timed([&] { return cred->CommandLinkClicked(click); });
      printf(",\"clickHr\":%ld,\"statusSetOnClick\":", hr);
      PrintJsonString(credEvents.statusSet);
      // The launch reports back through CredentialsChanged; LogonUI then re-reads the tile.
      bool done = WaitChanged(waitMs);
      printf(",\"launchNotified\":%s,\"launchNotifyMs\":%.1f,\"fieldsAfterClick\":", done ? "true" : "false", NowMs() - clickAt);
      PrintFields(cred);
    }
    cred->UnAdvise();
    cred->Release();
  }
  printf(",\"unadviseHr\":%ld", provider->UnAdvise());
  // After UnAdvise nothing may reach LogonUI's sink, even from a launch or poll still in flight.
  LONG changesAtUnadvise = events.changes;
  Sleep(1500);
  printf(",\"changesAfterUnadvise\":%ld", events.changes - changesAtUnadvise);
  double releaseAt = NowMs();
  provider->Release();
  double releaseMs = NowMs() - releaseAt;
  if (releaseMs > g_maxCallMs) g_maxCallMs = releaseMs;
  printf(",\"maxCallMs\":%.1f", g_maxCallMs);
  CoFreeUnusedLibrariesEx(0, 0);
  printf(",\"eventsRefsAfterRelease\":%ld}\n", events.refs);
  fflush(stdout);
  CoUninitialize();
  return 0;
}
