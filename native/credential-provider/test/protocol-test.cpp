// White-box check of the DLL's request builder and response reader (src/protocol.cpp), run
// under Wine; test/native/credential-provider-protocol.test.ts decodes every request line with
// the daemon's own TypeScript decoder. Output lines:
//   REQ <case> <hr> <body>      BOOL <case> <hr> <0|1>
#include <stdio.h>
#include <string.h>

#include "protocol.h"

static void Req(const char *name, DWORD session, bool unlockScenario, bool unlockAction, const wchar_t *user, size_t cap = KH_MAX_MESSAGE_BYTES) {
  char buf[KH_MAX_MESSAGE_BYTES];
  size_t len = 0;
  HRESULT hr = BuildLaunchRequest(buf, cap, &len, session, unlockScenario, unlockAction, user);
  printf("REQ %s %ld %s\n", name, hr, SUCCEEDED(hr) ? buf : "");
}

static void Bool(const char *name, const char *json, const char *key) {
  bool value = false;
  HRESULT hr = JsonTopLevelBool(json, strlen(json), key, &value);
  printf("BOOL %s %ld %d\n", name, hr, value ? 1 : 0);
}

int wmain() {
  char status[64];
  size_t statusLen = 0;
  HRESULT hr = BuildStatusRequest(status, sizeof(status), &statusLen);
  printf("REQ status %ld %s\n", hr, status);

  Req("logon-reset", 1, false, false, nullptr);
  Req("unlock-unlock-quoted", 2, true, true, L"CONTOSO\\j\"doe");
  Req("unicode", 3, true, false, L"Zo\u00eb \u00dcnal \u4e2d");
  wchar_t max[257];
  for (int i = 0; i < 256; ++i) max[i] = L'a';
  max[256] = L'\0';
  Req("user-256", 4, true, true, max);
  wchar_t over[258];
  for (int i = 0; i < 257; ++i) over[i] = L'b';
  over[257] = L'\0';
  Req("user-257-omitted", 5, true, true, over);
  Req("control-omitted", 6, true, true, L"evil\tname");
  const wchar_t lone[] = {L'x', 0xD800, L'y', 0};
  Req("lone-surrogate-omitted", 7, true, true, lone);
  Req("max-session", 0xFFFFFFFFu, false, true, L"");
  Req("buffer-too-small", 8, false, false, L"user", 40);

  Bool("ok-true", "{\"v\":1,\"ok\":true,\"available\":false}", "ok");
  Bool("available-false", "{\"v\":1,\"ok\":true,\"available\":false}", "available");
  Bool("nested-ignored", "{\"error\":{\"ok\":true},\"ok\":false}", "ok");
  Bool("string-ignored", "{\"msg\":\"\\\"ok\\\":true,}\",\"ok\":false}", "ok");
  Bool("string-not-bool", "{\"ok\":\"true\"}", "ok");
  Bool("absent", "{\"v\":1}", "ok");
  Bool("array", "[1]", "ok");
  Bool("truncated", "{\"ok\":true", "ok");
  Bool("deep", "  {\"a\":[1,{\"b\":\"}\"}],\"available\" : true }", "available");
  return 0;
}
