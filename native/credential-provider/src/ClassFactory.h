// IClassFactory for the provider; LogonUI reaches it through DllGetClassObject.
#pragma once
#include <unknwn.h>

class ClassFactory final : public IClassFactory {
 public:
  ClassFactory();
  IFACEMETHODIMP QueryInterface(REFIID riid, void **ppv) override;
  IFACEMETHODIMP_(ULONG) AddRef() override;
  IFACEMETHODIMP_(ULONG) Release() override;
  IFACEMETHODIMP CreateInstance(IUnknown *pUnkOuter, REFIID riid, void **ppv) override;
  IFACEMETHODIMP LockServer(BOOL bLock) override;

 private:
  ~ClassFactory();
  LONG refs_ = 1;
};
