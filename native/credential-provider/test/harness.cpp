// A stand-in for LogonUI, used only by the tests under Wine. It drives the provider through COM
// in the order LogonUI does (class factory from the registered CLSID, SetUsageScenario, Advise,
// field descriptors, credential count, credential fields, CommandLinkClicked) and prints what
// it saw as one JSON object on stdout.
//   cp-harness.exe <logon|unlock> <none|forgot|unlock> [waitMs]
#include <stdio.h>
#include <wchar.h>

#include "credprov.h"
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
