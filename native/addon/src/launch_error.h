// How a launch step failed: a Win32 call (syscall + win32) or a Keyhatch refusal (code + message).
#pragma once
#include <windows.h>

#include <string>

struct LaunchError {
  const char *syscall = nullptr;
  DWORD win32 = 0;
  const char *code = nullptr;
  std::string message;

  bool Win32(const char *call, DWORD err = GetLastError()) {
    syscall = call;
    win32 = err;
    return false;
  }
  bool Refuse(const char *refusal, std::string text) {
    code = refusal;
    message = std::move(text);
    return false;
  }
};
