// keyhatch_native: the daemon's Win32 surface (see daemon/src/platform/native-addon.ts).
#include "exports.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("protect", Napi::Function::New(env, Protect, "protect"));
  exports.Set("unprotect", Napi::Function::New(env, Unprotect, "unprotect"));
  exports.Set("restrictDirectory", Napi::Function::New(env, RestrictDirectory, "restrictDirectory"));
  exports.Set("writeEventLog", Napi::Function::New(env, WriteEventLog, "writeEventLog"));
  exports.Set("listSessions", Napi::Function::New(env, ListSessions, "listSessions"));
  exports.Set("restrictPipe", Napi::Function::New(env, RestrictPipe, "restrictPipe"));
  exports.Set("setDefaultDacl", Napi::Function::New(env, SetDefaultDacl, "setDefaultDacl"));
  exports.Set("getPipeSecurity", Napi::Function::New(env, GetPipeSecurity, "getPipeSecurity"));
  exports.Set("launchKiosk", Napi::Function::New(env, LaunchKiosk, "launchKiosk"));
  exports.Set("waitKiosk", Napi::Function::New(env, WaitKiosk, "waitKiosk"));
  exports.Set("terminateKiosk", Napi::Function::New(env, TerminateKiosk, "terminateKiosk"));
  exports.Set("describeKiosk", Napi::Function::New(env, DescribeKiosk, "describeKiosk"));
  exports.Set("readRegistryTree", Napi::Function::New(env, ReadRegistryTree, "readRegistryTree"));
  exports.Set("watchRegistryTree", Napi::Function::New(env, WatchRegistryTree, "watchRegistryTree"));
  exports.Set("changeCachedPassword", Napi::Function::New(env, ChangeCachedPassword, "changeCachedPassword"));
  exports.Set("revokeDesktopAccess", Napi::Function::New(env, RevokeDesktopAccessJs, "revokeDesktopAccess"));
  exports.Set("getDesktopSecurity", Napi::Function::New(env, GetDesktopSecurity, "getDesktopSecurity"));
  exports.Set("kioskAccount", Napi::Function::New(env, KioskAccount, "kioskAccount"));
  return exports;
}

NODE_API_MODULE(keyhatch_native, Init)
