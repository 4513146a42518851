// Builds the token the kiosk runs with: never SYSTEM, no privileges, Administrators deny-only,
// low integrity, in the requested session.
#pragma once
#include <windows.h>

#include <string>

#include "launch_error.h"
#include "unique_handle.h"


// Logs on the throwaway local account `account`, creating it on first use. Its password is
// random, set on every launch, held only in this function's stack and then wiped.
bool LogonKioskAccount(const std::u16string &account, UniqueHandle *token, LaunchError *error);

// Duplicates the calling process's token (for the restricted-token mode). Refuses when the
// process runs as SYSTEM, LocalService or NetworkService.
bool OpenCurrentNonServiceToken(UniqueHandle *token, LaunchError *error);

// Restricts `source` into a primary token for the kiosk in `sessionId`.
bool MakeKioskToken(HANDLE source, DWORD sessionId, UniqueHandle *kioskToken, LaunchError *error);
