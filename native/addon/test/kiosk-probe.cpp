// A stand-in for the kiosk, used only by test/native/addon.test.ts under Wine. It prints (to
// the file named by its first argument) what it was started with and what confines it, then
// stays alive until its job is terminated (or 60 s pass).
//   kiosk-probe.exe <report.json> [more args...]
#include <stdio.h>
#include <windows.h>

static void JsonString(FILE *f, const wchar_t *s) {
  fputc('"', f);
  for (; s && *s; ++s) {
    if (*s == L'"' || *s == L'\\') fprintf(f, "\\%c", static_cast<char>(*s));
    else if (*s < 0x20 || *s > 0x7e) fprintf(f, "\\u%04x", static_cast<unsigned>(*s));
    else fputc(static_cast<char>(*s), f);
  }
  fputc('"', f);
}

int wmain(int argc, wchar_t **argv) {
  if (argc < 2) return 2;
  FILE *f = _wfopen(argv[1], L"w");
  if (!f) return 3;
  fprintf(f, "{\"pid\":%lu,\"commandLine\":", GetCurrentProcessId());
  JsonString(f, GetCommandLineW());
  fprintf(f, ",\"argv\":[");
  for (int i = 1; i < argc; ++i) {
    if (i > 1) fputc(',', f);
    JsonString(f, argv[i]);
  }
  wchar_t secret[256] = L"";
  DWORD secretLen = GetEnvironmentVariableW(L"KEYHATCH_LAUNCH_SECRET", secret, 256);
  fprintf(f, "],\"secretPresent\":%s,\"secret\":", secretLen > 0 ? "true" : "false");
  JsonString(f, secret);
  wchar_t path[32] = L"";
  fprintf(f, ",\"pathInherited\":%s", GetEnvironmentVariableW(L"PATH", path, 32) > 0 ? "true" : "false");

  BOOL inJob = FALSE;
  IsProcessInJob(GetCurrentProcess(), nullptr, &inJob);
  JOBOBJECT_BASIC_UI_RESTRICTIONS ui = {};
  BOOL uiOk = QueryInformationJobObject(nullptr, JobObjectBasicUIRestrictions, &ui, sizeof(ui), nullptr);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {};
  BOOL limitsOk = QueryInformationJobObject(nullptr, JobObjectExtendedLimitInformation, &limits, sizeof(limits), nullptr);
  fprintf(f, ",\"inJob\":%s,\"uiRestrictions\":%ld,\"limitFlags\":%ld", inJob ? "true" : "false",
          uiOk ? static_cast<long>(ui.UIRestrictionsClass) : -1L, limitsOk ? static_cast<long>(limits.BasicLimitInformation.LimitFlags) : -1L);

  HANDLE token = nullptr;
  long integrity = -1;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    BYTE buffer[256];
    DWORD size = 0;
    if (GetTokenInformation(token, TokenIntegrityLevel, buffer, sizeof(buffer), &size)) {
      PSID sid = reinterpret_cast<TOKEN_MANDATORY_LABEL *>(buffer)->Label.Sid;
      integrity = static_cast<long>(*GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1));
    }
    CloseHandle(token);
  }
  wchar_t desktop[256] = L"";
  DWORD needed = 0;
  GetUserObjectInformationW(GetThreadDesktop(GetCurrentThreadId()), UOI_NAME, desktop, sizeof(desktop), &needed);
  fprintf(f, ",\"integrityRid\":%ld,\"desktop\":", integrity);
  JsonString(f, desktop);
  fprintf(f, "}\n");
  fclose(f);
  Sleep(60000);
  return 0;
}
