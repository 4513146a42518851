// DLL entry points: class object, unload check and self-registration (regsvr32).
#include <new>

#include "ClassFactory.h"
#include "dll.h"
#include "guid.h"

HINSTANCE g_hinst = nullptr;
static LONG g_refs = 0;

void DllAddRef() { InterlockedIncrement(&g_refs); }
void DllRelease() { InterlockedDecrement(&g_refs); }

static const WCHAR kProviderName[] = L"Keyhatch";
static const WCHAR kClsidKey[] = L"CLSID\\" KEYHATCH_CLSID_STRING;
static const WCHAR kInprocKey[] = L"CLSID\\" KEYHATCH_CLSID_STRING L"\\InprocServer32";
static const WCHAR kProviderKey[] =
    L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication\\Credential Providers\\" KEYHATCH_CLSID_STRING;

extern "C" BOOL WINAPI DllMain(HINSTANCE hinst, DWORD reason, void *) {
  if (reason == DLL_PROCESS_ATTACH) {
    g_hinst = hinst;
    DisableThreadLibraryCalls(hinst);
  }
  return TRUE;
}

extern "C" HRESULT __stdcall DllCanUnloadNow() { return InterlockedCompareExchange(&g_refs, 0, 0) == 0 ? S_OK : S_FALSE; }

extern "C" HRESULT __stdcall DllGetClassObject(REFCLSID rclsid, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (rclsid != CLSID_KeyhatchProvider) return CLASS_E_CLASSNOTAVAILABLE;
  ClassFactory *factory = new (std::nothrow) ClassFactory();
  if (!factory) return E_OUTOFMEMORY;
  HRESULT hr = factory->QueryInterface(riid, ppv);
  factory->Release();
  return hr;
}

static HRESULT SetStringValue(HKEY root, PCWSTR subkey, PCWSTR name, PCWSTR value) {
  HKEY key = nullptr;
  LONG err = RegCreateKeyExW(root, subkey, 0, nullptr, 0, KEY_WRITE, nullptr, &key, nullptr);
  if (err == ERROR_SUCCESS) {
    err = RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE *>(value),
                         static_cast<DWORD>((lstrlenW(value) + 1) * sizeof(WCHAR)));
    RegCloseKey(key);
  }
  return HRESULT_FROM_WIN32(err);
}

extern "C" HRESULT __stdcall DllRegisterServer() {
  WCHAR path[MAX_PATH];
  DWORD length = GetModuleFileNameW(g_hinst, path, ARRAYSIZE(path));
  HRESULT hr = (length == 0 || length >= ARRAYSIZE(path)) ? HRESULT_FROM_WIN32(ERROR_BUFFER_OVERFLOW) : S_OK;
  if (SUCCEEDED(hr)) hr = SetStringValue(HKEY_CLASSES_ROOT, kClsidKey, nullptr, kProviderName);
  if (SUCCEEDED(hr)) hr = SetStringValue(HKEY_CLASSES_ROOT, kInprocKey, nullptr, path);
  // LogonUI creates providers on an STA thread.
  if (SUCCEEDED(hr)) hr = SetStringValue(HKEY_CLASSES_ROOT, kInprocKey, L"ThreadingModel", L"Apartment");
  if (SUCCEEDED(hr)) hr = SetStringValue(HKEY_LOCAL_MACHINE, kProviderKey, nullptr, kProviderName);
  return hr;
}

extern "C" HRESULT __stdcall DllUnregisterServer() {
  // Remove the provider key first: LogonUI must never find a provider whose class is gone.
  LONG provider = RegDeleteTreeW(HKEY_LOCAL_MACHINE, kProviderKey);
  LONG clsid = RegDeleteTreeW(HKEY_CLASSES_ROOT, kClsidKey);
  HRESULT hr = S_OK;
  if (provider != ERROR_SUCCESS && provider != ERROR_FILE_NOT_FOUND) hr = HRESULT_FROM_WIN32(provider);
  if (SUCCEEDED(hr) && clsid != ERROR_SUCCESS && clsid != ERROR_FILE_NOT_FOUND) hr = HRESULT_FROM_WIN32(clsid);
  return hr;
}
