#include "kiosk_start.h"

#include <tlhelp32.h>

#include "desktop_access.h"

namespace {

const DWORD kHelperTimeoutMs = 10000;

// Creates `exe` suspended in `job` and resumes it: not one instruction runs outside the job.
bool CreateInJob(HANDLE token, HANDLE job, const std::wstring &exe, std::wstring commandLine, const StartRequest &request,
                 STARTUPINFOEXW *si, bool inheritHandles, DWORD extraFlags, PROCESS_INFORMATION *pi, LaunchError *error) {
  std::wstring desktop = request.desktop;
  si->StartupInfo.lpDesktop = &desktop[0];
  DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP | extraFlags;
  if (!CreateProcessAsUserW(token, exe.c_str(), &commandLine[0], nullptr, nullptr, inheritHandles, flags, request.environment,
                            request.cwd.empty() ? nullptr : request.cwd.c_str(), &si->StartupInfo, pi)) {
    return error->Win32("CreateProcessAsUserW");
  }
  if (!AssignProcessToJobObject(job, pi->hProcess)) {
    DWORD err = GetLastError();
    TerminateProcess(pi->hProcess, 1);
    CloseHandle(pi->hThread);
    CloseHandle(pi->hProcess);
    return error->Win32("AssignProcessToJobObject", err);
  }
  if (ResumeThread(pi->hThread) == static_cast<DWORD>(-1)) {
    DWORD err = GetLastError();
    TerminateJobObject(job, 1);
    CloseHandle(pi->hThread);
    CloseHandle(pi->hProcess);
    return error->Win32("ResumeThread", err);
  }
  CloseHandle(pi->hThread);
  return true;
}

// The service's own token, moved to the target session, for the short-lived helper.
bool SessionSystemToken(DWORD sessionId, UniqueHandle *token, LaunchError *error) {
  UniqueHandle self;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, self.Put())) return error->Win32("OpenProcessToken");
  if (!DuplicateTokenEx(self.Get(), TOKEN_ALL_ACCESS, nullptr, SecurityImpersonation, TokenPrimary, token->Put())) {
    return error->Win32("DuplicateTokenEx(helper)");
  }
  DWORD current = 0, size = 0;
  if (!GetTokenInformation(token->Get(), TokenSessionId, &current, sizeof(current), &size)) return error->Win32("GetTokenInformation(TokenSessionId)");
  if (current != sessionId && !SetTokenInformation(token->Get(), TokenSessionId, &sessionId, sizeof(sessionId))) {
    return error->Win32("SetTokenInformation(TokenSessionId, helper)");
  }
  return true;
}

// After the helper exits, the kiosk is the helper's child started from the kiosk executable
// (the helper may also have got a console host; the helper's pid cannot be reused while we
// hold its handle). It must be in the job: the helper put it there before it ran.
bool FindKioskInJob(HANDLE job, DWORD helperPid, const std::wstring &executable, StartResult *result, LaunchError *error) {
  size_t slash = executable.find_last_of(L"\\/");
  std::wstring image = slash == std::wstring::npos ? executable : executable.substr(slash + 1);
  UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (!snapshot.Valid()) return error->Win32("CreateToolhelp32Snapshot");
  PROCESSENTRY32W entry = {};
  entry.dwSize = sizeof(entry);
  for (BOOL more = Process32FirstW(snapshot.Get(), &entry); more; more = Process32NextW(snapshot.Get(), &entry)) {
    if (entry.th32ParentProcessID != helperPid || lstrcmpiW(entry.szExeFile, image.c_str()) != 0) continue;
    result->pid = entry.th32ProcessID;
    result->process.Reset(OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, result->pid));
    if (!result->process.Valid()) return error->Win32("OpenProcess(kiosk)");
    BOOL inJob = FALSE;
    if (!IsProcessInJob(result->process.Get(), job, &inJob)) return error->Win32("IsProcessInJob");
    if (!inJob) return error->Refuse("KIOSK_OUTSIDE_JOB", "the kiosk is not in its job");
    return true;
  }
  return error->Refuse("KIOSK_NOT_RUNNING", "the kiosk exited before it could be tracked");
}

}  // namespace

bool StartKioskDirect(const StartRequest &request, StartResult *result, LaunchError *error) {
  DWORD own = 0;
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &own)) return error->Win32("ProcessIdToSessionId");
  if (own != request.sessionId) {
    return error->Refuse("SESSION_HELPER_REQUIRED", "the kiosk's session differs from the daemon's; pass the session helper");
  }
  const char *failed = nullptr;
  if (request.grantDesktop) {
    if (!GrantDesktopAccess(request.token, request.desktop, &failed)) return error->Win32(failed);
    result->desktopGranted = true;
  }
  STARTUPINFOEXW si = {};
  si.StartupInfo.cb = sizeof(si.StartupInfo);
  PROCESS_INFORMATION pi = {};
  // bInheritHandles FALSE: the kiosk gets no handle of the daemon's.
  if (!CreateInJob(request.token, request.job, request.executable, BuildCommandLine(request.executable, request.args), request, &si,
                   FALSE, 0, &pi, error)) {
    return false;
  }
  result->process.Reset(pi.hProcess);
  result->pid = pi.dwProcessId;
  return true;
}

bool StartKioskViaHelper(const StartRequest &request, StartResult *result, LaunchError *error) {
  UniqueHandle helperToken;
  if (!SessionSystemToken(request.sessionId, &helperToken, error)) return false;
  // The kiosk token and the job are the helper's only inherited handles
  // (PROC_THREAD_ATTRIBUTE_HANDLE_LIST); the job handle lets it place the kiosk before it runs.
  UniqueHandle inheritable;
  if (!DuplicateHandle(GetCurrentProcess(), request.token, GetCurrentProcess(), inheritable.Put(),
                       TOKEN_ASSIGN_PRIMARY | TOKEN_DUPLICATE | TOKEN_QUERY, TRUE, 0)) {
    return error->Win32("DuplicateHandle(kiosk token)");
  }
  UniqueHandle inheritableJob;
  if (!DuplicateHandle(GetCurrentProcess(), request.job, GetCurrentProcess(), inheritableJob.Put(),
                       JOB_OBJECT_ASSIGN_PROCESS | JOB_OBJECT_QUERY, TRUE, 0)) {
    return error->Win32("DuplicateHandle(job)");
  }
  SIZE_T size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
  std::vector<BYTE> attributes(size);
  auto *list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attributes.data());
  if (!InitializeProcThreadAttributeList(list, 1, 0, &size)) return error->Win32("InitializeProcThreadAttributeList");
  HANDLE handles[2] = {inheritable.Get(), inheritableJob.Get()};
  bool ok = UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles, sizeof(handles), nullptr, nullptr) != FALSE;
  if (!ok) error->Win32("UpdateProcThreadAttribute");
  STARTUPINFOEXW si = {};
  si.StartupInfo.cb = sizeof(si);
  si.lpAttributeList = list;
  PROCESS_INFORMATION pi = {};
  if (ok) {
    std::vector<std::wstring> args = {std::to_wstring(reinterpret_cast<ULONG_PTR>(inheritable.Get())),
                                      std::to_wstring(reinterpret_cast<ULONG_PTR>(inheritableJob.Get())), request.desktop,
                                      request.grantDesktop ? L"grant" : L"nogrant", request.executable};
    args.insert(args.end(), request.args.begin(), request.args.end());
    ok = CreateInJob(helperToken.Get(), request.job, request.helper, BuildCommandLine(request.helper, args), request, &si, TRUE,
                     EXTENDED_STARTUPINFO_PRESENT, &pi, error);
  }
  DeleteProcThreadAttributeList(list);
  if (!ok) return false;
  UniqueHandle helper(pi.hProcess);
  DWORD wait = WaitForSingleObject(helper.Get(), kHelperTimeoutMs);
  if (wait != WAIT_OBJECT_0) {
    TerminateJobObject(request.job, 1);
    return error->Refuse("SESSION_HELPER_TIMEOUT", "the session helper did not finish in time");
  }
  DWORD exitCode = 0;
  if (!GetExitCodeProcess(helper.Get(), &exitCode)) return error->Win32("GetExitCodeProcess(helper)");
  // The helper exits with 0 or the Win32 error of the step that failed.
  if (exitCode != 0) {
    TerminateJobObject(request.job, 1);
    return error->Win32("keyhatch-session-helper", exitCode);
  }
  result->desktopGranted = request.grantDesktop;
  return FindKioskInJob(request.job, pi.dwProcessId, request.executable, result, error);
}
