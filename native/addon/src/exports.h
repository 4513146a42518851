// The addon's exported functions, one file each; registered in addon.cc.
#pragma once
#include <napi.h>

Napi::Value Protect(const Napi::CallbackInfo &info);
Napi::Value Unprotect(const Napi::CallbackInfo &info);
Napi::Value RestrictDirectory(const Napi::CallbackInfo &info);
Napi::Value WriteEventLog(const Napi::CallbackInfo &info);
Napi::Value ListSessions(const Napi::CallbackInfo &info);
Napi::Value RestrictPipe(const Napi::CallbackInfo &info);
Napi::Value SetDefaultDacl(const Napi::CallbackInfo &info);
Napi::Value GetPipeSecurity(const Napi::CallbackInfo &info);
Napi::Value LaunchKiosk(const Napi::CallbackInfo &info);
Napi::Value WaitKiosk(const Napi::CallbackInfo &info);
Napi::Value TerminateKiosk(const Napi::CallbackInfo &info);
Napi::Value DescribeKiosk(const Napi::CallbackInfo &info);
Napi::Value ReadRegistryTree(const Napi::CallbackInfo &info);
Napi::Value WatchRegistryTree(const Napi::CallbackInfo &info);
Napi::Value ChangeCachedPassword(const Napi::CallbackInfo &info);
Napi::Value RevokeDesktopAccessJs(const Napi::CallbackInfo &info);
Napi::Value GetDesktopSecurity(const Napi::CallbackInfo &info);
Napi::Value KioskAccount(const Napi::CallbackInfo &info);
