// Starting the kiosk process once its token and job exist. Two ways:
//  - direct: the daemon runs in the target session (development, tests);
//  - via keyhatch-session-helper.exe: the service (session 0) starts the helper as SYSTEM in
//    the target session, because only code in that session can open its WinSta0\Winlogon to
//    grant the kiosk user access. The helper is inside the kiosk's job, gets the kiosk token as
//    its one inherited handle and the kiosk's environment block as its own, and exits at once.
#pragma once
#include <windows.h>

#include <string>
#include <vector>

#include "launch_error.h"
#include "unique_handle.h"

struct StartRequest {
  HANDLE token = nullptr;   // the kiosk's restricted primary token
  HANDLE job = nullptr;
  DWORD sessionId = 0;
  std::wstring executable;
  std::vector<std::wstring> args;
  std::wstring cwd;
  std::wstring desktop;
  wchar_t *environment = nullptr;  // complete block, secret included
  std::wstring helper;             // empty: direct
  bool grantDesktop = true;
};

struct StartResult {
  UniqueHandle process;
  DWORD pid = 0;
  bool desktopGranted = false;
};

bool StartKioskDirect(const StartRequest &request, StartResult *result, LaunchError *error);
bool StartKioskViaHelper(const StartRequest &request, StartResult *result, LaunchError *error);
