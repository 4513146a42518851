#include "helpers.h"

HRESULT CoTaskMemStrDup(PCWSTR src, PWSTR *out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  if (!src) src = L"";
  size_t chars = lstrlenW(src) + 1;
  PWSTR copy = static_cast<PWSTR>(CoTaskMemAlloc(chars * sizeof(WCHAR)));
  if (!copy) return E_OUTOFMEMORY;
  CopyMemory(copy, src, chars * sizeof(WCHAR));
  *out = copy;
  return S_OK;
}

HRESULT FieldDescriptorCoAllocCopy(const CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR &src, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR **out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  auto *copy = static_cast<CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR *>(CoTaskMemAlloc(sizeof(CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR)));
  if (!copy) return E_OUTOFMEMORY;
  *copy = src;
  copy->pszLabel = nullptr;
  HRESULT hr = S_OK;
  if (src.pszLabel) hr = CoTaskMemStrDup(src.pszLabel, &copy->pszLabel);
  if (FAILED(hr)) {
    CoTaskMemFree(copy);
    return hr;
  }
  *out = copy;
  return S_OK;
}

void CopyTruncated(PWSTR dst, size_t dstChars, PCWSTR src) {
  if (!dst || dstChars == 0) return;
  size_t i = 0;
  if (src) {
    for (; i + 1 < dstChars && src[i]; ++i) dst[i] = src[i];
  }
  dst[i] = L'\0';
}
