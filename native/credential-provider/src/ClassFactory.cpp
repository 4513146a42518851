#include "ClassFactory.h"

#include "Provider.h"
#include "dll.h"

ClassFactory::ClassFactory() { DllAddRef(); }
ClassFactory::~ClassFactory() { DllRelease(); }

IFACEMETHODIMP ClassFactory::QueryInterface(REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (riid == IID_IUnknown || riid == IID_IClassFactory) {
    *ppv = static_cast<IClassFactory *>(this);
    AddRef();
    return S_OK;
  }
  return E_NOINTERFACE;
}

IFACEMETHODIMP_(ULONG) ClassFactory::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

IFACEMETHODIMP_(ULONG) ClassFactory::Release() {
  LONG refs = InterlockedDecrement(&refs_);
  if (refs == 0) delete this;
  return static_cast<ULONG>(refs);
}

IFACEMETHODIMP ClassFactory::CreateInstance(IUnknown *pUnkOuter, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (pUnkOuter) return CLASS_E_NOAGGREGATION;
  Provider *provider = nullptr;
  HRESULT hr = Provider::Create(&provider);
  if (SUCCEEDED(hr)) {
    hr = provider->QueryInterface(riid, ppv);
    provider->Release();
  }
  return hr;
}

IFACEMETHODIMP ClassFactory::LockServer(BOOL bLock) {
  if (bLock) DllAddRef();
  else DllRelease();
  return S_OK;
}
