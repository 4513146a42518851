// launchKiosk / waitKiosk / terminateKiosk: starts the kiosk on WinSta0\Winlogon of the
// requesting session under the one local low-privilege kiosk account (enabled only around its logon) (or, outside a service, a
// restricted copy of the caller's token), low integrity, inside a kill-on-close job.
// The per-launch secret travels in the environment block, never on the command line.
#include <windows.h>
#include <sddl.h>

#include <map>
#include <vector>

#include "args.h"
#include "exports.h"
#include "kiosk_process.h"
#include "kiosk_start.h"
#include "kiosk_token.h"
#include "wide.h"
#include "worker.h"

namespace {

std::wstring Wide(const std::u16string &s) { return std::wstring(W(s), s.size()); }

bool TokenUserSid(HANDLE token, std::wstring *out, LaunchError *error) {
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD size = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size)) return error->Win32("GetTokenInformation(TokenUser)");
  wchar_t *text = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER *>(buffer)->User.Sid, &text)) return error->Win32("ConvertSidToStringSidW");
  *out = text;
  LocalFree(text);
  return true;
}

struct LaunchSpec {
  DWORD sessionId = 0;
  std::u16string executable;
  std::vector<std::u16string> args;
  std::u16string cwd;
  std::map<std::u16string, std::u16string> env;
  std::u16string desktop;
  std::u16string account;  // empty: restricted copy of the caller's token
  std::u16string helper;   // keyhatch-session-helper.exe; empty: start directly (same session only)
  bool grantDesktop = true;
};

class LaunchWorker final : public PromiseWorker {
 public:
  LaunchWorker(Napi::Env env, LaunchSpec spec) : PromiseWorker(env), spec_(std::move(spec)) {}

  ~LaunchWorker() override {
    for (auto &kv : spec_.env) SecureZeroMemory(&kv.second[0], kv.second.size() * sizeof(char16_t));
  }

  void Execute() override {
    UniqueHandle source;
    LaunchError error;
    bool ok = spec_.account.empty() ? OpenCurrentNonServiceToken(&source, &error) : LogonKioskAccount(spec_.account, &source, &error);
    UniqueHandle token;
    if (ok) ok = MakeKioskToken(source.Get(), spec_.sessionId, &token, &error);
    // The daemon records this SID to revoke the desktop ACEs when the kiosk exits.
    if (ok) ok = TokenUserSid(token.Get(), &sid_, &error);
    Kiosk kiosk;
    const char *failedJob = nullptr;
    if (ok && !CreateKioskJob(&kiosk.job, &failedJob)) ok = error.Win32(failedJob);
    std::vector<wchar_t> environment = BuildEnvironmentBlock(spec_.env);
    StartResult started;
    if (ok) {
      StartRequest request;
      request.token = token.Get();
      request.job = kiosk.job.Get();
      request.sessionId = spec_.sessionId;
      request.executable = Wide(spec_.executable);
      for (const auto &arg : spec_.args) request.args.push_back(Wide(arg));
      request.cwd = Wide(spec_.cwd);
      request.desktop = Wide(spec_.desktop);
      request.environment = environment.data();
      request.helper = Wide(spec_.helper);
      request.grantDesktop = spec_.grantDesktop;
      ok = spec_.helper.empty() ? StartKioskDirect(request, &started, &error) : StartKioskViaHelper(request, &started, &error);
    }
    SecureZeroMemory(environment.data(), environment.size() * sizeof(wchar_t));
    if (!ok) {
      if (error.code) Fail(error.code, error.message);
      else FailWin32(error.syscall, error.win32);
      return;
    }
    kiosk.process = std::move(started.process);
    kiosk.pid = started.pid;
    pid_ = started.pid;
    desktopGranted_ = started.desktopGranted;
    id_ = RegisterKiosk(std::move(kiosk));
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", Napi::Number::New(env, id_));
    o.Set("pid", Napi::Number::New(env, pid_));
    o.Set("desktopAccessGranted", Napi::Boolean::New(env, desktopGranted_));
    o.Set("sid", Napi::String::New(env, reinterpret_cast<const char16_t *>(sid_.c_str())));
    return o;
  }

 private:
  LaunchSpec spec_;
  uint32_t id_ = 0;
  DWORD pid_ = 0;
  bool desktopGranted_ = false;
  std::wstring sid_;
};

class WaitWorker final : public PromiseWorker {
 public:
  WaitWorker(Napi::Env env, uint32_t id, uint32_t timeoutMs) : PromiseWorker(env), id_(id), timeoutMs_(timeoutMs) {}

  void Execute() override {
    UniqueHandle process;
    if (!DuplicateKioskProcess(id_, &process)) {
      Fail("UNKNOWN_KIOSK", "no running kiosk has id " + std::to_string(id_));
      return;
    }
    DWORD wait = WaitForSingleObject(process.Get(), timeoutMs_);
    if (wait == WAIT_TIMEOUT) {
      timedOut_ = true;
      return;
    }
    if (wait != WAIT_OBJECT_0) {
      FailWin32("WaitForSingleObject");
      return;
    }
    if (!GetExitCodeProcess(process.Get(), &exitCode_)) {
      FailWin32("GetExitCodeProcess");
      return;
    }
    ForgetKiosk(id_);
  }

  Napi::Value Result(Napi::Env env) override {
    if (timedOut_) return env.Null();
    return Napi::Number::New(env, exitCode_);
  }

 private:
  uint32_t id_;
  uint32_t timeoutMs_;
  bool timedOut_ = false;
  DWORD exitCode_ = 0;
};

LaunchSpec ParseSpec(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = args::Object(info, 0, "options");
  LaunchSpec spec;
  spec.sessionId = args::UInt32(o.Get("sessionId"), "options.sessionId");
  spec.executable = args::String(o.Get("executable"), "options.executable", MAX_PATH);
  Napi::Value list = o.Get("args");
  if (!list.IsUndefined()) {
    if (!list.IsArray()) throw Napi::TypeError::New(env, "options.args must be an array of strings");
    Napi::Array array = list.As<Napi::Array>();
    if (array.Length() > 64) throw Napi::RangeError::New(env, "options.args must have at most 64 entries");
    for (uint32_t i = 0; i < array.Length(); ++i) {
      spec.args.push_back(args::String(array.Get(i), ("options.args[" + std::to_string(i) + "]").c_str(), 4096, true));
    }
  }
  if (!o.Get("cwd").IsUndefined()) spec.cwd = args::String(o.Get("cwd"), "options.cwd", MAX_PATH);
  Napi::Value envValue = o.Get("env");
  if (!envValue.IsObject() || envValue.IsArray()) throw Napi::TypeError::New(env, "options.env must be an object of strings");
  Napi::Object envObject = envValue.As<Napi::Object>();
  Napi::Array names = envObject.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    std::u16string name = args::String(names.Get(i), "options.env key", 255);
    if (name.find(u'=') != std::u16string::npos) throw Napi::RangeError::New(env, "options.env keys must not contain '='");
    std::string label = "options.env." + names.Get(i).As<Napi::String>().Utf8Value();
    spec.env[name] = args::String(envObject.Get(names.Get(i)), label.c_str(), 32767, true);
  }
  spec.desktop = o.Get("desktop").IsUndefined() ? u"WinSta0\\Winlogon" : args::String(o.Get("desktop"), "options.desktop", 256);
  Napi::Value account = o.Get("account");
  if (!account.IsUndefined()) {
    spec.account = args::String(account, "options.account", 20);
    if (spec.account.find_first_of(u"\"/\\[]:;|=,+*?<>@ ") != std::u16string::npos) {
      throw Napi::RangeError::New(env, "options.account must be a plain local user name (no \\ / [ ] : ; | = , + * ? < > @ or spaces)");
    }
  }
  if (!o.Get("sessionHelper").IsUndefined()) spec.helper = args::String(o.Get("sessionHelper"), "options.sessionHelper", MAX_PATH);
  Napi::Value grant = o.Get("grantDesktopAccess");
  if (!grant.IsUndefined()) {
    if (!grant.IsBoolean()) throw Napi::TypeError::New(env, "options.grantDesktopAccess must be a boolean");
    spec.grantDesktop = grant.As<Napi::Boolean>().Value();
  }
  return spec;
}

}  // namespace

// launchKiosk(options): Promise<{id, pid, desktopAccessGranted}>
Napi::Value LaunchKiosk(const Napi::CallbackInfo &info) { return Start(new LaunchWorker(info.Env(), ParseSpec(info))); }

// waitKiosk(id, timeoutMs): Promise<number | null>   (exit code, or null on timeout)
Napi::Value WaitKiosk(const Napi::CallbackInfo &info) {
  uint32_t id = args::UInt32(info[0], "id");
  uint32_t timeout = args::UInt32(info[1], "timeoutMs", 24u * 3600u * 1000u);
  return Start(new WaitWorker(info.Env(), id, timeout));
}

// terminateKiosk(id): void   (synchronous: TerminateJobObject does not block)
Napi::Value TerminateKiosk(const Napi::CallbackInfo &info) {
  uint32_t id = args::UInt32(info[0], "id");
  DWORD error = 0;
  if (!TerminateKioskById(id, &error)) {
    Napi::Error e = Napi::Error::New(info.Env(), error == ERROR_NOT_FOUND ? "no running kiosk has id " + std::to_string(id)
                                                                          : "TerminateJobObject failed: " + std::to_string(error));
    e.Set("code", Napi::String::New(info.Env(), error == ERROR_NOT_FOUND ? "UNKNOWN_KIOSK" : "WIN32_" + std::to_string(error)));
    throw e;
  }
  return info.Env().Undefined();
}

// describeKiosk(id): {limitFlags, activeProcessLimit, uiRestrictions, activeProcesses}, null where unknown
Napi::Value DescribeKiosk(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint32_t id = args::UInt32(info[0], "id");
  KioskJobInfo job;
  DWORD error = 0;
  if (!DescribeKioskJob(id, &job, &error)) {
    Napi::Error e = Napi::Error::New(env, error == ERROR_NOT_FOUND ? "no running kiosk has id " + std::to_string(id)
                                                                   : "QueryInformationJobObject failed: " + std::to_string(error));
    e.Set("code", Napi::String::New(env, error == ERROR_NOT_FOUND ? "UNKNOWN_KIOSK" : "WIN32_" + std::to_string(error)));
    throw e;
  }
  Napi::Object o = Napi::Object::New(env);
  auto number = [&](bool known, DWORD value) -> Napi::Value { return known ? Napi::Number::New(env, value) : env.Null(); };
  o.Set("limitFlags", number(job.hasLimits, job.limitFlags));
  o.Set("activeProcessLimit", number(job.hasLimits, job.activeProcessLimit));
  o.Set("uiRestrictions", number(job.hasUiRestrictions, job.uiRestrictions));
  o.Set("activeProcesses", number(job.hasAccounting, job.activeProcesses));
  return o;
}
