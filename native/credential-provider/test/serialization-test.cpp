// White-box test of the DLL's own KERB_INTERACTIVE_UNLOCK_LOGON packer (serialization.cpp):
// prints the bytes GetSerialization would hand LogonUI for the given scenario and user. The
// Negotiate package id needs LSA, which Wine lacks, so the end-to-end harness cannot show them.
//   serialization-test.exe <logon|unlock> <DOMAIN\name> <password>
#include <stdio.h>
#include <wchar.h>

#include "serialization.h"

int wmain(int argc, wchar_t **argv) {
  if (argc < 4) return 2;
  CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);
  CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus = wcscmp(argv[1], L"unlock") == 0 ? CPUS_UNLOCK_WORKSTATION : CPUS_LOGON;
  WCHAR domain[256], user[257];
  HRESULT hr = SplitQualifiedName(argv[2], domain, ARRAYSIZE(domain), user, ARRAYSIZE(user));
  BYTE *block = nullptr;
  DWORD bytes = 0;
  if (SUCCEEDED(hr)) hr = PackInteractiveUnlockLogon(cpus, domain, user, argv[3], &block, &bytes);
  printf("{\"hr\":%ld,\"hex\":\"", hr);
  for (DWORD i = 0; i < bytes; ++i) printf("%02x", block[i]);
  printf("\"}\n");
  CoTaskMemFree(block);
  CoUninitialize();
  return 0;
}
