// keyhatch-service.exe: the Windows service "Keyhatch". Node cannot talk to the Service Control
// Manager, so this small host runs the daemon under the shipped node.exe and translates:
//   start     → node.exe keyhatch.cjs [--config FILE] serve, with KEYHATCH_READY_FILE set; the
//               service is SERVICE_START_PENDING until the daemon creates that file (it does so
//               once it serves), then SERVICE_RUNNING. Never RUNNING for a daemon that is not ready.
//   stop      → closes the daemon's stdin (KEYHATCH_STOP_ON_STDIN_EOF=1): the daemon closes its
//   shutdown    listeners and exits; after 20 s the job object kills it.
//   failure   → a daemon exit while running restarts it (at once for exit code 75 = "policy
//               changed, restart to apply"; otherwise 1 s, 2 s, 4 s … 60 s back-off). Five failures
//               within 10 minutes stop the service with a service-specific error, and the SCM's
//               failure actions (set by --configure) restart the whole service.
// The daemon runs in a job with KILL_ON_JOB_CLOSE, so it never outlives the host.
//
//   keyhatch-service.exe [--config FILE]     run as the service (from the SCM)
//   keyhatch-service.exe --configure [gateway] set failure actions, required privileges, the service
//                                            SID and the data directory's ACL (the MSI runs it)
//   keyhatch-service.exe --show-data-acl     print the data directory's DACL as SDDL (support, tests)
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <cstdio>
#include <string>

namespace {

constexpr wchar_t kServiceName[] = L"Keyhatch";
constexpr DWORD kRestartExitCode = 75;
constexpr DWORD kReadyTimeoutMs = 120000;
constexpr DWORD kStopTimeoutMs = 20000;
constexpr int kMaxFailures = 5;
constexpr ULONGLONG kFailureWindowMs = 10 * 60 * 1000;

SERVICE_STATUS_HANDLE g_statusHandle = nullptr;
SERVICE_STATUS g_status = {};
HANDLE g_stopEvent = nullptr;
std::wstring g_configFile;

// The service thread, the control handler's thread and the heartbeat all report: one lock.
SRWLOCK g_statusLock = SRWLOCK_INIT;

void SetStateLocked(DWORD state, DWORD waitHint, DWORD exitCode, DWORD specific) {
  static DWORD checkPoint = 1;
  g_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  g_status.dwCurrentState = state;
  // Stop is accepted while starting too: a daemon that never gets ready must not make the service
  // unstoppable (and an uninstall unable to remove it).
  g_status.dwControlsAccepted = (state == SERVICE_RUNNING || state == SERVICE_START_PENDING) ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_PRESHUTDOWN : 0;
  g_status.dwWin32ExitCode = specific ? ERROR_SERVICE_SPECIFIC_ERROR : exitCode;
  g_status.dwServiceSpecificExitCode = specific;
  g_status.dwWaitHint = waitHint;
  g_status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : checkPoint++;
  if (g_statusHandle) SetServiceStatus(g_statusHandle, &g_status);
}

void SetState(DWORD state, DWORD waitHint = 0, DWORD exitCode = NO_ERROR, DWORD specific = 0) {
  AcquireSRWLockExclusive(&g_statusLock);
  SetStateLocked(state, waitHint, exitCode, specific);
  ReleaseSRWLockExclusive(&g_statusLock);
}

// RUNNING only from START_PENDING, as one step: a stop that arrived while the daemon got ready has
// already reported STOP_PENDING, and a service must not go back from stopping to running.
void ReportRunningIfStarting() {
  AcquireSRWLockExclusive(&g_statusLock);
  if (g_status.dwCurrentState == SERVICE_START_PENDING) SetStateLocked(SERVICE_RUNNING, 0, NO_ERROR, 0);
  ReleaseSRWLockExclusive(&g_statusLock);
}

// Moves the checkpoint of a pending state once a second until the service has stopped. A thread
// of its own, because the service thread blocks where it cannot report: creating node.exe (seconds
// on a loaded machine), the back-off between restarts (up to 60 s), waiting for a daemon to stop.
// Without it the SCM and `sc query` see a pending service whose checkpoint stands still longer
// than its wait hint: a hung service.
DWORD WINAPI Heartbeat(LPVOID) {
  for (;;) {
    Sleep(1000);
    AcquireSRWLockExclusive(&g_statusLock);  // read and re-report as one step: never undo a RUNNING
    const DWORD state = g_status.dwCurrentState;
    if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) SetStateLocked(state, g_status.dwWaitHint, NO_ERROR, 0);
    ReleaseSRWLockExclusive(&g_statusLock);
    if (state == SERVICE_STOPPED) return 0;
  }
}

void EventLog(WORD type, DWORD id, const std::wstring &text) {
  HANDLE source = RegisterEventSourceW(nullptr, kServiceName);
  if (!source) return;
  LPCWSTR strings[1] = {text.c_str()};
  ReportEventW(source, type, 0, id, nullptr, 1, 0, strings, nullptr);
  DeregisterEventSource(source);
}

std::wstring ExeDir() {
  wchar_t path[MAX_PATH * 2] = {};
  DWORD n = GetModuleFileNameW(nullptr, path, ARRAYSIZE(path));
  std::wstring s(path, n);
  return s.substr(0, s.find_last_of(L'\\'));
}

std::wstring DataDir() {
  wchar_t buf[MAX_PATH] = {};
  DWORD n = GetEnvironmentVariableW(L"ProgramData", buf, ARRAYSIZE(buf));
  return (n > 0 && n < ARRAYSIZE(buf) ? std::wstring(buf) : std::wstring(L"C:\\ProgramData")) + L"\\Keyhatch";
}

// Quotes one argument for CommandLineToArgvW / the CRT.
std::wstring Quote(const std::wstring &arg) {
  std::wstring out = L"\"";
  size_t slashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') { ++slashes; continue; }
    out.append(c == L'"' ? slashes * 2 + 1 : slashes, L'\\');
    slashes = 0;
    out += c;
  }
  out.append(slashes * 2, L'\\');
  return out + L"\"";
}

struct Daemon {
  HANDLE process = nullptr;
  HANDLE stdinWrite = nullptr;
  HANDLE job = nullptr;
};

void CloseDaemon(Daemon *d) {
  if (d->stdinWrite) CloseHandle(d->stdinWrite);
  if (d->process) CloseHandle(d->process);
  if (d->job) CloseHandle(d->job);  // KILL_ON_JOB_CLOSE: anything left dies here
  *d = Daemon();
}

bool StartDaemon(const std::wstring &readyFile, Daemon *d, DWORD *error) {
  const std::wstring dir = ExeDir();
  std::wstring cmd = Quote(dir + L"\\node.exe") + L" " + Quote(dir + L"\\keyhatch.cjs");
  if (!g_configFile.empty()) cmd += L" --config " + Quote(g_configFile);
  cmd += L" serve";

  SECURITY_ATTRIBUTES inherit = {sizeof(inherit), nullptr, TRUE};
  HANDLE stdinRead = nullptr, stdinWrite = nullptr;
  if (!CreatePipe(&stdinRead, &stdinWrite, &inherit, 0)) { *error = GetLastError(); return false; }
  SetHandleInformation(stdinWrite, HANDLE_FLAG_INHERIT, 0);
  CreateDirectoryW((DataDir() + L"\\logs").c_str(), nullptr);
  HANDLE log = CreateFileW((DataDir() + L"\\logs\\service-console.log").c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           &inherit, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);

  SetEnvironmentVariableW(L"KEYHATCH_READY_FILE", readyFile.c_str());
  SetEnvironmentVariableW(L"KEYHATCH_STOP_ON_STDIN_EOF", L"1");
  SetEnvironmentVariableW(L"KEYHATCH_NATIVE_ADDON", (dir + L"\\keyhatch_native.node").c_str());
  // Node 22.1+ keeps V8's compiled code here between starts (the daemon starts at every boot): a
  // faster cold start. In the service's own data directory, which only SYSTEM and admins may write.
  SetEnvironmentVariableW(L"NODE_COMPILE_CACHE", (DataDir() + L"\\cache\\node-compile").c_str());

  STARTUPINFOW si = {};
  si.cb = sizeof(si);
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = stdinRead;
  si.hStdOutput = log != INVALID_HANDLE_VALUE ? log : nullptr;
  si.hStdError = si.hStdOutput;
  PROCESS_INFORMATION pi = {};
  d->job = CreateJobObjectW(nullptr, nullptr);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (d->job) SetInformationJobObject(d->job, JobObjectExtendedLimitInformation, &limits, sizeof(limits));
  BOOL ok = CreateProcessW(nullptr, &cmd[0], nullptr, nullptr, TRUE, CREATE_SUSPENDED | CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT,
                           nullptr, dir.c_str(), &si, &pi);
  *error = ok ? NO_ERROR : GetLastError();
  CloseHandle(stdinRead);
  if (log != INVALID_HANDLE_VALUE) CloseHandle(log);
  if (!ok) {
    CloseHandle(stdinWrite);
    CloseDaemon(d);
    return false;
  }
  if (d->job) AssignProcessToJobObject(d->job, pi.hProcess);
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  d->process = pi.hProcess;
  d->stdinWrite = stdinWrite;
  return true;
}

// Asks the daemon to stop (stdin EOF) and waits; kills the job after the timeout.
DWORD StopDaemon(Daemon *d) {
  if (d->stdinWrite) { CloseHandle(d->stdinWrite); d->stdinWrite = nullptr; }
  DWORD code = 0;
  if (WaitForSingleObject(d->process, kStopTimeoutMs) != WAIT_OBJECT_0) {
    EventLog(EVENTLOG_WARNING_TYPE, 1004, L"The Keyhatch daemon did not stop within 20 seconds and was terminated.");
    if (d->job) TerminateJobObject(d->job, 1);
    WaitForSingleObject(d->process, 5000);
  }
  GetExitCodeProcess(d->process, &code);
  CloseDaemon(d);
  return code;
}

// Waits for the ready file while reporting progress. 1 = ready, 0 = daemon exited, -1 = stop requested.
int WaitReady(const Daemon &d, const std::wstring &readyFile) {
  ULONGLONG deadline = GetTickCount64() + kReadyTimeoutMs;
  HANDLE waits[2] = {g_stopEvent, d.process};
  while (GetTickCount64() < deadline) {
    if (GetFileAttributesW(readyFile.c_str()) != INVALID_FILE_ATTRIBUTES) return 1;
    DWORD r = WaitForMultipleObjects(2, waits, FALSE, 250);
    if (r == WAIT_OBJECT_0) return -1;
    if (r == WAIT_OBJECT_0 + 1) return 0;
  }
  return 0;
}

DWORD WINAPI Control(DWORD control, DWORD, LPVOID, LPVOID) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_PRESHUTDOWN:
    case SERVICE_CONTROL_SHUTDOWN:
      SetState(SERVICE_STOP_PENDING, kStopTimeoutMs + 5000);
      SetEvent(g_stopEvent);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI ServiceMain(DWORD, LPWSTR *) {
  g_statusHandle = RegisterServiceCtrlHandlerExW(kServiceName, Control, nullptr);
  if (!g_statusHandle) return;
  g_stopEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  SetState(SERVICE_START_PENDING, 10000);
  if (HANDLE heartbeat = CreateThread(nullptr, 0, Heartbeat, nullptr, 0, nullptr)) CloseHandle(heartbeat);
  const std::wstring readyFile = DataDir() + L"\\service.ready";

  ULONGLONG failures[kMaxFailures] = {};
  int failureCount = 0;
  DWORD backoffMs = 1000;
  bool everRunning = false;
  for (;;) {
    DeleteFileW(readyFile.c_str());
    Daemon d;
    DWORD error = 0;
    if (!StartDaemon(readyFile, &d, &error)) {
      EventLog(EVENTLOG_ERROR_TYPE, 1003, L"Keyhatch could not start node.exe (Win32 error " + std::to_wstring(error) + L"). Is the installation complete?");
      SetState(SERVICE_STOPPED, 0, error);
      return;
    }
    int ready = WaitReady(d, readyFile);
    if (ready == 1) {
      if (!everRunning) EventLog(EVENTLOG_INFORMATION_TYPE, 1000, L"The Keyhatch service is running.");
      everRunning = true;
      ReportRunningIfStarting();
      HANDLE waits[2] = {g_stopEvent, d.process};
      ready = WaitForMultipleObjects(2, waits, FALSE, INFINITE) == WAIT_OBJECT_0 ? -1 : 0;
    }
    if (ready == -1) {
      StopDaemon(&d);
      DeleteFileW(readyFile.c_str());
      EventLog(EVENTLOG_INFORMATION_TYPE, 1001, L"The Keyhatch service stopped.");
      SetState(SERVICE_STOPPED);
      return;
    }
    // The daemon exited on its own (or never became ready).
    DWORD code = StopDaemon(&d);
    if (code == kRestartExitCode) {
      EventLog(EVENTLOG_INFORMATION_TYPE, 1005, L"Group Policy changed the Keyhatch configuration; the daemon restarted to apply it.");
      continue;
    }
    ULONGLONG now = GetTickCount64();
    failures[failureCount % kMaxFailures] = now;
    ++failureCount;
    bool tooMany = failureCount >= kMaxFailures && now - failures[failureCount % kMaxFailures] < kFailureWindowMs;
    EventLog(EVENTLOG_ERROR_TYPE, 1002, L"The Keyhatch daemon exited with code " + std::to_wstring(code) +
             (tooMany ? L"; it failed 5 times within 10 minutes, the service stops (Windows restarts it per its recovery settings)." : L"; restarting it.") +
             L" See %ProgramData%\\Keyhatch\\logs.");
    if (tooMany) {
      SetState(SERVICE_STOPPED, 0, NO_ERROR, code ? code : 1);
      return;
    }
    if (WaitForSingleObject(g_stopEvent, backoffMs) == WAIT_OBJECT_0) {
      SetState(SERVICE_STOPPED);
      return;
    }
    backoffMs = backoffMs >= 32000 ? 60000 : backoffMs * 2;
  }
}

// Failure actions (restart after 5 s, 10 s, 30 s; reset after a day, also on non-crash failures),
// only the privileges the job needs, an unrestricted service SID (for ACLs naming NT SERVICE\Keyhatch).
// %ProgramData%\Keyhatch: SYSTEM and Administrators only, protected from ProgramData's inherited
// ACL (which lets every user create files there). Children inherit.
constexpr wchar_t kDataSddl[] = L"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

DWORD SecureDataDir() {
  const std::wstring dir = DataDir();
  CreateDirectoryW(dir.c_str(), nullptr);
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(kDataSddl, SDDL_REVISION_1, &sd, nullptr)) return GetLastError();
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  DWORD rc = SetNamedSecurityInfoW(const_cast<LPWSTR>(dir.c_str()), SE_FILE_OBJECT,
                                   DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr, nullptr, dacl, nullptr);
  LocalFree(sd);
  return rc;
}

int ShowDataAcl() {
  PSECURITY_DESCRIPTOR sd = nullptr;
  const std::wstring dir = DataDir();
  DWORD rc = GetNamedSecurityInfoW(dir.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS) return static_cast<int>(rc);
  LPWSTR text = nullptr;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) { LocalFree(sd); return 1; }
  wprintf(L"%ls\n", text);
  LocalFree(text);
  LocalFree(sd);
  return 0;
}

int Configure(bool gateway) {
  DWORD aclRc = SecureDataDir();
  if (aclRc != ERROR_SUCCESS) return static_cast<int>(aclRc);
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!scm) return static_cast<int>(GetLastError());
  SC_HANDLE svc = OpenServiceW(scm, kServiceName, SERVICE_CHANGE_CONFIG | SERVICE_START);
  if (!svc) { DWORD e = GetLastError(); CloseServiceHandle(scm); return static_cast<int>(e); }
  int rc = 0;
  // Each setting is applied on its own; a failure is printed and fails the action (the MSI then
  // rolls back), except ERROR_INVALID_LEVEL: an info level this system does not implement (Wine
  // lacks some; every Windows since Vista has them all), which is printed and skipped.
  auto apply = [&](const wchar_t *what, DWORD level, void *info) {
    if (ChangeServiceConfig2W(svc, level, info)) return;
    DWORD e = GetLastError();
    fwprintf(stderr, L"keyhatch-service: %ls: error %lu%ls\n", what, e, e == ERROR_INVALID_LEVEL ? L" (not supported here; skipped)" : L"");
    if (e != ERROR_INVALID_LEVEL && !rc) rc = static_cast<int>(e);
  };
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 10000}, {SC_ACTION_RESTART, 30000}};
  SERVICE_FAILURE_ACTIONSW fa = {};
  fa.dwResetPeriod = 86400;
  fa.cActions = 3;
  fa.lpsaActions = actions;
  apply(L"failure actions", SERVICE_CONFIG_FAILURE_ACTIONS, &fa);
  SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE};
  apply(L"failure actions on non-crash failures", SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag);
  // Relay/standalone start the kiosk in the user's session (SeTcb: set the token's session;
  // SeAssignPrimaryToken + SeIncreaseQuota: CreateProcessAsUser). A gateway needs none of them.
  static wchar_t workstation[] = L"SeChangeNotifyPrivilege\0SeTcbPrivilege\0SeAssignPrimaryTokenPrivilege\0SeIncreaseQuotaPrivilege\0";
  static wchar_t server[] = L"SeChangeNotifyPrivilege\0";
  SERVICE_REQUIRED_PRIVILEGES_INFOW privileges = {gateway ? server : workstation};
  apply(L"required privileges", SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, &privileges);
  SERVICE_SID_INFO sid = {SERVICE_SID_TYPE_UNRESTRICTED};
  apply(L"service SID", SERVICE_CONFIG_SERVICE_SID_INFO, &sid);
  SERVICE_PRESHUTDOWN_INFO pre = {kStopTimeoutMs + 5000};
  apply(L"pre-shutdown timeout", SERVICE_CONFIG_PRESHUTDOWN_INFO, &pre);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

}  // namespace

int wmain(int argc, wchar_t **argv) {
  for (int i = 1; i < argc; ++i) {
    std::wstring a = argv[i];
    if (a == L"--show-data-acl") return ShowDataAcl();
    if (a == L"--configure") return Configure(i + 1 < argc && std::wstring(argv[i + 1]) == L"gateway");
    if (a == L"--config" && i + 1 < argc) g_configFile = argv[++i];
  }
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<LPWSTR>(kServiceName), ServiceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) return static_cast<int>(GetLastError());
  return 0;
}
