// Test-only: prints the MSV1_0 ChangeCachedPassword request BuildChangeCachedPasswordRequest makes,
// as JSON (base address + hex bytes), so test/native/cached-password.test.ts can decode the
// layout independently. Wine has no MSV1_0 cache to update, so only the bytes are checked.
//   cached-password-request.exe <domain> <account> <password>
#include <stdio.h>

#include "../src/cached_password_request.h"

int wmain(int argc, wchar_t **argv) {
  if (argc < 4) return 2;
  std::vector<BYTE> request;
  bool ok = BuildChangeCachedPasswordRequest(argv[1], argv[2], argv[3], &request);
  printf("{\"ok\":%s,\"pointerBytes\":%u,\"base\":\"%llu\",\"hex\":\"", ok ? "true" : "false", static_cast<unsigned>(sizeof(void *)),
         static_cast<unsigned long long>(reinterpret_cast<UINT_PTR>(request.data())));
  for (BYTE b : request) printf("%02x", b);
  printf("\"}\n");
  return 0;
}
