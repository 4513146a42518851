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
