#include <windows.h>
#include "kiosk_process.h"

#include <aclapi.h>

#include <algorithm>
#include <mutex>

#include "wide.h"

bool CreateKioskJob(UniqueHandle *job, const char **failedCall) {
  job->Reset(CreateJobObjectW(nullptr, nullptr));
  if (!job->Valid()) return (*failedCall = "CreateJobObjectW", false);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {};
  limits.BasicLimitInformation.LimitFlags =
      JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION | JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
  // Electron runs a browser, GPU, network and renderer processes; nothing may break away.
  limits.BasicLimitInformation.ActiveProcessLimit = 16;
  if (!SetInformationJobObject(job->Get(), JobObjectExtendedLimitInformation, &limits, sizeof(limits))) {
    return (*failedCall = "SetInformationJobObject(ExtendedLimit)", false);
  }
  JOBOBJECT_BASIC_UI_RESTRICTIONS ui = {};
  ui.UIRestrictionsClass = JOB_OBJECT_UILIMIT_DESKTOP | JOB_OBJECT_UILIMIT_DISPLAYSETTINGS | JOB_OBJECT_UILIMIT_EXITWINDOWS |
                           JOB_OBJECT_UILIMIT_GLOBALATOMS | JOB_OBJECT_UILIMIT_HANDLES | JOB_OBJECT_UILIMIT_READCLIPBOARD |
                           JOB_OBJECT_UILIMIT_SYSTEMPARAMETERS | JOB_OBJECT_UILIMIT_WRITECLIPBOARD;
  if (!SetInformationJobObject(job->Get(), JobObjectBasicUIRestrictions, &ui, sizeof(ui))) {
    return (*failedCall = "SetInformationJobObject(UIRestrictions)", false);
  }
  return true;
}

namespace {

bool AddAce(HANDLE object, PSID sid, DWORD access, const char **failedCall) {
  PACL oldDacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  DWORD err = GetSecurityInfo(object, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &oldDacl, nullptr, &descriptor);
  if (err != ERROR_SUCCESS) {
    SetLastError(err);
    return (*failedCall = "GetSecurityInfo(window object)", false);
  }
  if (!oldDacl) {
    // A NULL DACL already lets everyone in; merging our ACE into it would create a DACL that
    // admits only the kiosk and locks every other process (LogonUI included) out.
    LocalFree(descriptor);
    return true;
  }
  EXPLICIT_ACCESSW ea = {};
  ea.grfAccessPermissions = access;
  ea.grfAccessMode = GRANT_ACCESS;
  ea.grfInheritance = NO_INHERITANCE;
  ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  ea.Trustee.TrusteeType = TRUSTEE_IS_USER;
  ea.Trustee.ptstrName = static_cast<LPWSTR>(sid);
  PACL newDacl = nullptr;
  err = SetEntriesInAclW(1, &ea, oldDacl, &newDacl);
  if (err == ERROR_SUCCESS) {
    err = SetSecurityInfo(object, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, newDacl, nullptr);
    if (err != ERROR_SUCCESS) *failedCall = "SetSecurityInfo(window object)";
  } else {
    *failedCall = "SetEntriesInAclW";
  }
  if (newDacl) LocalFree(newDacl);
  LocalFree(descriptor);
  SetLastError(err);
  return err == ERROR_SUCCESS;
}

}  // namespace

bool GrantDesktopAccess(HANDLE token, const std::u16string &desktop, DWORD sessionId, const char **failedCall) {
  DWORD own = 0;
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &own)) return (*failedCall = "ProcessIdToSessionId", false);
  if (own != sessionId) {
    SetLastError(ERROR_NOT_SUPPORTED);
    return (*failedCall = "GrantDesktopAccess(other session)", false);
  }
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size)) return (*failedCall = "GetTokenInformation(TokenUser)", false);
  PSID sid = reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid;

  size_t slash = desktop.find(u'\\');
  std::u16string station = slash == std::u16string::npos ? u"WinSta0" : desktop.substr(0, slash);
  std::u16string name = slash == std::u16string::npos ? desktop : desktop.substr(slash + 1);
  HWINSTA winsta = OpenWindowStationW(W(station), FALSE, READ_CONTROL | WRITE_DAC);
  if (!winsta) return (*failedCall = "OpenWindowStationW", false);
  bool ok = AddAce(winsta, sid, WINSTA_ACCESSGLOBALATOMS | WINSTA_ENUMDESKTOPS | WINSTA_READATTRIBUTES | WINSTA_ENUMERATE | WINSTA_READSCREEN | READ_CONTROL, failedCall);
  HDESK desk = nullptr;
  if (ok) {
    HWINSTA previous = GetProcessWindowStation();
    // OpenDesktop resolves names inside the process's current window station.
    if (!SetProcessWindowStation(winsta)) ok = (*failedCall = "SetProcessWindowStation", false);
    if (ok) {
      desk = OpenDesktopW(W(name), 0, FALSE, READ_CONTROL | WRITE_DAC);
      if (!desk) ok = (*failedCall = "OpenDesktopW", false);
      SetProcessWindowStation(previous);
    }
  }
  // Deliberately absent: DESKTOP_HOOKCONTROL, DESKTOP_JOURNALRECORD/PLAYBACK, DESKTOP_SWITCHDESKTOP.
  if (ok) ok = AddAce(desk, sid, DESKTOP_READOBJECTS | DESKTOP_CREATEWINDOW | DESKTOP_CREATEMENU | DESKTOP_WRITEOBJECTS | DESKTOP_ENUMERATE | READ_CONTROL, failedCall);
  DWORD err = GetLastError();
  if (desk) CloseDesktop(desk);
  CloseWindowStation(winsta);
  SetLastError(err);
  return ok;
}

static void AppendQuoted(std::u16string *out, const std::u16string &arg) {
  if (!arg.empty() && arg.find_first_of(u" \t\n\v\"") == std::u16string::npos) {
    out->append(arg);
    return;
  }
  out->push_back(u'"');
  for (size_t i = 0;; ++i) {
    size_t backslashes = 0;
    while (i < arg.size() && arg[i] == u'\\') {
      ++i;
      ++backslashes;
    }
    if (i == arg.size()) {
      out->append(backslashes * 2, u'\\');
      break;
    }
    if (arg[i] == u'"') {
      out->append(backslashes * 2 + 1, u'\\');
    } else {
      out->append(backslashes, u'\\');
    }
    out->push_back(arg[i]);
  }
  out->push_back(u'"');
}

std::u16string BuildCommandLine(const std::u16string &executable, const std::vector<std::u16string> &args) {
  std::u16string line;
  AppendQuoted(&line, executable);
  for (const auto &arg : args) {
    line.push_back(u' ');
    AppendQuoted(&line, arg);
  }
  return line;
}

std::vector<wchar_t> BuildEnvironmentBlock(const std::map<std::u16string, std::u16string> &env) {
  std::vector<std::u16string> entries;
  for (const auto &kv : env) entries.push_back(kv.first + u"=" + kv.second);
  std::sort(entries.begin(), entries.end(), [](const std::u16string &a, const std::u16string &b) {
    return CompareStringOrdinal(W(a), -1, W(b), -1, TRUE) == CSTR_LESS_THAN;
  });
  std::vector<wchar_t> block;
  for (const auto &e : entries) {
    block.insert(block.end(), W(e), W(e) + e.size());
    block.push_back(L'\0');
  }
  block.push_back(L'\0');
  if (entries.empty()) block.push_back(L'\0');
  return block;
}

namespace {
std::mutex g_kiosksMutex;
std::map<uint32_t, Kiosk> g_kiosks;
uint32_t g_nextId = 1;
}  // namespace

uint32_t RegisterKiosk(Kiosk &&kiosk) {
  std::lock_guard<std::mutex> lock(g_kiosksMutex);
  uint32_t id = g_nextId++;
  g_kiosks.emplace(id, std::move(kiosk));
  return id;
}

bool DuplicateKioskProcess(uint32_t id, UniqueHandle *process) {
  std::lock_guard<std::mutex> lock(g_kiosksMutex);
  auto it = g_kiosks.find(id);
  if (it == g_kiosks.end()) return false;
  return DuplicateHandle(GetCurrentProcess(), it->second.process.Get(), GetCurrentProcess(), process->Put(), SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0) != FALSE;
}

bool TerminateKioskById(uint32_t id, DWORD *error) {
  std::lock_guard<std::mutex> lock(g_kiosksMutex);
  auto it = g_kiosks.find(id);
  if (it == g_kiosks.end()) {
    *error = ERROR_NOT_FOUND;
    return false;
  }
  // Kills every process in the job, children included. The entry stays so a waiter can still
  // collect the exit code; ForgetKiosk drops it once the exit has been seen.
  if (!TerminateJobObject(it->second.job.Get(), 1)) {
    *error = GetLastError();
    return false;
  }
  return true;
}

void ForgetKiosk(uint32_t id) {
  std::lock_guard<std::mutex> lock(g_kiosksMutex);
  g_kiosks.erase(id);
}

bool DescribeKioskJob(uint32_t id, KioskJobInfo *info, DWORD *error) {
  std::lock_guard<std::mutex> lock(g_kiosksMutex);
  auto it = g_kiosks.find(id);
  if (it == g_kiosks.end()) {
    *error = ERROR_NOT_FOUND;
    return false;
  }
  HANDLE job = it->second.job.Get();
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {};
  JOBOBJECT_BASIC_UI_RESTRICTIONS ui = {};
  JOBOBJECT_BASIC_ACCOUNTING_INFORMATION accounting = {};
  info->hasLimits = QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof(limits), nullptr) != FALSE;
  info->limitFlags = limits.BasicLimitInformation.LimitFlags;
  info->activeProcessLimit = limits.BasicLimitInformation.ActiveProcessLimit;
  info->hasUiRestrictions = QueryInformationJobObject(job, JobObjectBasicUIRestrictions, &ui, sizeof(ui), nullptr) != FALSE;
  info->uiRestrictions = ui.UIRestrictionsClass;
  info->hasAccounting = QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &accounting, sizeof(accounting), nullptr) != FALSE;
  info->activeProcesses = accounting.ActiveProcesses;
  *error = ERROR_SUCCESS;
  return true;
}
