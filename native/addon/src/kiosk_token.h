// Builds the token the kiosk runs with: never SYSTEM, no privileges, Administrators deny-only,
// low integrity, in the requested session.
#pragma once
#include <windows.h>

#include <string>

#include "launch_error.h"
#include "unique_handle.h"


// The installer's step (and the addon's kioskAccount("ensure")): creates the local kiosk account
// disabled, with a random password and remote logon denied, unless it exists. Never rotates.
bool EnsureKioskAccount(const std::u16string &account, LaunchError *error);
// Sets UF_ACCOUNTDISABLE (service start, in case a launch was cut off between enable and disable).
bool DisableKioskAccount(const std::u16string &account, LaunchError *error);
// Whether the local account exists (*err = 0) and whether it is disabled; *err set on a lookup failure.
bool AccountExists(const std::u16string &account, bool *disabled, DWORD *err);
// Logs on the local kiosk account (created, disabled, if the installer did not). Its random
// password is set once per service process (kept in its memory only), not per launch; the
// account is enabled only around LogonUser and disabled again before this returns.
bool LogonKioskAccount(const std::u16string &account, UniqueHandle *token, LaunchError *error);

// Duplicates the calling process's token (for the restricted-token mode). Refuses when the
// process runs as SYSTEM, LocalService or NetworkService.
bool OpenCurrentNonServiceToken(UniqueHandle *token, LaunchError *error);

// Restricts `source` into a primary token for the kiosk in `sessionId`.
bool MakeKioskToken(HANDLE source, DWORD sessionId, UniqueHandle *kioskToken, LaunchError *error);
