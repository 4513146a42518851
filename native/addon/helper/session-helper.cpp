// keyhatch-session-helper.exe: started by the daemon (service, session 0) as SYSTEM in the
// kiosk's session, inside the kiosk's job, on WinSta0\Winlogon. It does the one thing only
// code in that session can do — grant the kiosk user access to that session's window station
// and desktop — then starts the kiosk with the restricted token it inherited and exits.
// It never creates a window and never reads input.
//   keyhatch-session-helper.exe revoke <sid> <desktop>   (removes the kiosk user's ACEs again)
//   keyhatch-session-helper.exe <tokenHandle> <jobHandle> <desktop> <grant|nogrant> <executable> [args...]
// The kiosk's environment block (secret included) is this process's own environment.
// Exit code: 0, or the Win32 error of the step that failed.
#include <windows.h>
#include <sddl.h>
#include <stdlib.h>  // __argc, __wargv

#include <string>
#include <vector>

#include "../src/desktop_access.h"

static HANDLE ParseHandle(const wchar_t *text) {
  wchar_t *end = nullptr;
  unsigned long long value = wcstoull(text, &end, 10);
  if (!end || *end != L'\0' || value == 0) return nullptr;
  return reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(value));
}

// A GUI-subsystem program with no window: a console program would bring a console host into
// the job and onto the secure desktop.
int WINAPI wWinMain(HINSTANCE, HINSTANCE, PWSTR, int) {
  int argc = __argc;
  wchar_t **argv = __wargv;
  if (!argv) return ERROR_BAD_ARGUMENTS;
  // keyhatch-session-helper.exe revoke <sid> <desktop>: takes the kiosk user's ACEs away again.
  if (argc == 4 && lstrcmpW(argv[1], L"revoke") == 0) {
    PSID sid = nullptr;
    if (!ConvertStringSidToSidW(argv[2], &sid)) return static_cast<int>(GetLastError());
    const char *failed = nullptr;
    DWORD result = RevokeDesktopAccess(sid, argv[3], &failed) ? ERROR_SUCCESS : GetLastError();
    LocalFree(sid);
    return static_cast<int>(result);
  }
  if (argc < 6) return ERROR_BAD_ARGUMENTS;
  HANDLE token = ParseHandle(argv[1]);
  HANDLE job = ParseHandle(argv[2]);
  if (!token || !job) return ERROR_INVALID_HANDLE;
  std::wstring desktop = argv[3];
  bool grant = lstrcmpW(argv[4], L"grant") == 0;
  std::wstring executable = argv[5];
  std::vector<std::wstring> args(argv + 6, argv + argc);

  const char *failed = nullptr;
  if (grant && !GrantDesktopAccess(token, desktop, &failed)) return static_cast<int>(GetLastError());

  wchar_t *environment = GetEnvironmentStringsW();
  if (!environment) return static_cast<int>(GetLastError());
  std::wstring commandLine = BuildCommandLine(executable, args);
  STARTUPINFOW si = {};
  si.cb = sizeof(si);
  si.lpDesktop = &desktop[0];
  PROCESS_INFORMATION pi = {};
  // Suspended until it is certainly in the job: Windows puts a job process's children in the
  // job by itself, Wine does not for CreateProcessAsUser; assigning makes both the same.
  // Nothing is inherited.
  BOOL created = CreateProcessAsUserW(token, executable.c_str(), &commandLine[0], nullptr, nullptr, FALSE,
                                      CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP, environment, nullptr,
                                      &si, &pi);
  DWORD err = created ? ERROR_SUCCESS : GetLastError();
  FreeEnvironmentStringsW(environment);
  if (!created) return static_cast<int>(err);
  BOOL inJob = FALSE;
  if (!IsProcessInJob(pi.hProcess, job, &inJob)) err = GetLastError();
  if (err == ERROR_SUCCESS && !inJob && !AssignProcessToJobObject(job, pi.hProcess)) err = GetLastError();
  if (err == ERROR_SUCCESS && ResumeThread(pi.hThread) == static_cast<DWORD>(-1)) err = GetLastError();
  if (err != ERROR_SUCCESS) TerminateProcess(pi.hProcess, 1);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  CloseHandle(job);
  CloseHandle(token);
  return static_cast<int>(err);
}
