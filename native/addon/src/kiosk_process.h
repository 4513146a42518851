// Process-side pieces of the kiosk launch: job object, desktop access, command line and
// environment block, and the table of running kiosks.
#pragma once
#include <windows.h>

#include <map>
#include <string>
#include <vector>

#include "unique_handle.h"

// A job that dies with the daemon (KILL_ON_JOB_CLOSE; the daemon never closes or shares the
// handle) and whose processes cannot touch other desktops, USER handles of processes outside
// the job, the clipboard, system parameters or shutdown.
bool CreateKioskJob(UniqueHandle *job, const char **failedCall);

// "NAME=value\0...\0\0", sorted case-insensitively as CreateProcess expects.
std::vector<wchar_t> BuildEnvironmentBlock(const std::map<std::u16string, std::u16string> &env);

// Running kiosks by id: the job and process handles live here until terminate/exit.
struct Kiosk {
  UniqueHandle job;
  UniqueHandle process;
  DWORD pid = 0;
};
uint32_t RegisterKiosk(Kiosk &&kiosk);
// Duplicates the process handle so a waiter can outlive removal from the table.
bool DuplicateKioskProcess(uint32_t id, UniqueHandle *process);
bool TerminateKioskById(uint32_t id, DWORD *error);
// Drops a kiosk whose process has exited (closes its job and process handles).
void ForgetKiosk(uint32_t id);

// What the job actually enforces, read back from the kernel (for health checks and tests).
// A class the kernel cannot report (Wine lacks some) leaves its `has*` flag false.
struct KioskJobInfo {
  bool hasLimits = false;
  DWORD limitFlags = 0;
  DWORD activeProcessLimit = 0;
  bool hasUiRestrictions = false;
  DWORD uiRestrictions = 0;
  bool hasAccounting = false;
  DWORD activeProcesses = 0;
};
bool DescribeKioskJob(uint32_t id, KioskJobInfo *info, DWORD *error);
