// revokeDesktopAccess / getDesktopSecurity: the ACEs a kiosk launch granted on WinSta0 and the
// Winlogon desktop are taken away again when the kiosk exits (crash included) and, for grants
// left by an earlier run, when the service starts. Another session's window station can only be
// opened from inside that session, so the service runs keyhatch-session-helper.exe there in its
// "revoke" mode; in its own session the addon does it directly.
#include "desktop_access.h"

#include <sddl.h>

#include "args.h"
#include "exports.h"
#include "unique_handle.h"
#include "wide.h"
#include "worker.h"

namespace {

const DWORD kHelperTimeoutMs = 10000;

std::wstring Wide(const std::u16string &s) { return std::wstring(W(s), s.size()); }

class RevokeWorker final : public PromiseWorker {
 public:
  RevokeWorker(Napi::Env env, std::u16string sid, std::u16string desktop, DWORD sessionId, std::u16string helper)
      : PromiseWorker(env), sid_(std::move(sid)), desktop_(std::move(desktop)), sessionId_(sessionId), helper_(std::move(helper)) {}

  void Execute() override {
    LocalPtr<void> sid;
    if (!ConvertStringSidToSidW(W(sid_), sid.Put())) {
      FailWin32("ConvertStringSidToSidW");
      return;
    }
    DWORD own = 0;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &own)) {
      FailWin32("ProcessIdToSessionId");
      return;
    }
    if (own == sessionId_) {
      const char *failed = nullptr;
      if (!RevokeDesktopAccess(sid.Get(), Wide(desktop_), &failed)) FailWin32(failed);
      return;
    }
    if (helper_.empty()) {
      Fail("SESSION_HELPER_REQUIRED", "the grant is in another session; pass the session helper");
      return;
    }
    RunHelper();
  }

 private:
  // The service's own token moved to the target session, as for the launch (kiosk_start.cc).
  void RunHelper() {
    UniqueHandle self, token;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, self.Put()) ||
        !DuplicateTokenEx(self.Get(), TOKEN_ALL_ACCESS, nullptr, SecurityImpersonation, TokenPrimary, token.Put())) {
      FailWin32("DuplicateTokenEx(helper)");
      return;
    }
    if (!SetTokenInformation(token.Get(), TokenSessionId, &sessionId_, sizeof(sessionId_))) {
      FailWin32("SetTokenInformation(TokenSessionId, helper)");
      return;
    }
    std::wstring helper = Wide(helper_);
    std::wstring desktop = Wide(desktop_);
    std::wstring commandLine = BuildCommandLine(helper, {L"revoke", Wide(sid_), desktop});
    STARTUPINFOW si = {};
    si.cb = sizeof(si);
    si.lpDesktop = &desktop[0];
    PROCESS_INFORMATION pi = {};
    if (!CreateProcessAsUserW(token.Get(), helper.c_str(), &commandLine[0], nullptr, nullptr, FALSE, CREATE_UNICODE_ENVIRONMENT, nullptr,
                              nullptr, &si, &pi)) {
      FailWin32("CreateProcessAsUserW(helper)");
      return;
    }
    CloseHandle(pi.hThread);
    UniqueHandle process(pi.hProcess);
    if (WaitForSingleObject(process.Get(), kHelperTimeoutMs) != WAIT_OBJECT_0) {
      TerminateProcess(process.Get(), 1);
      Fail("SESSION_HELPER_TIMEOUT", "the session helper did not finish in time");
      return;
    }
    DWORD exitCode = 0;
    if (!GetExitCodeProcess(process.Get(), &exitCode)) FailWin32("GetExitCodeProcess(helper)");
    else if (exitCode != 0) FailWin32("keyhatch-session-helper revoke", exitCode);
  }

  std::u16string sid_;
  std::u16string desktop_;
  DWORD sessionId_;
  std::u16string helper_;
};

std::u16string Desktop(const Napi::Value &value) {
  return value.IsUndefined() ? std::u16string(u"WinSta0\\Winlogon") : args::String(value, "desktop", 256);
}

}  // namespace

// revokeDesktopAccess(sid, sessionId, desktop?, sessionHelper?): Promise<void>
Napi::Value RevokeDesktopAccessJs(const Napi::CallbackInfo &info) {
  std::u16string sid = args::String(info[0], "sid", 184);
  if (sid.rfind(u"S-1-", 0) != 0) throw Napi::RangeError::New(info.Env(), "sid must be a string SID (S-1-...)");
  DWORD sessionId = args::UInt32(info[1], "sessionId");
  std::u16string helper = info[3].IsUndefined() ? std::u16string() : args::String(info[3], "sessionHelper", MAX_PATH);
  return Start(new RevokeWorker(info.Env(), std::move(sid), Desktop(info[2]), sessionId, std::move(helper)));
}

// getDesktopSecurity(desktop?): {station, desktop}   (DACLs as SDDL; synchronous, own session)
Napi::Value GetDesktopSecurity(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::wstring station, desk;
  const char *failed = nullptr;
  if (!DescribeDesktopAccess(Wide(Desktop(info[0])), &station, &desk, &failed)) {
    DWORD err = GetLastError();
    Napi::Error e = Napi::Error::New(env, std::string(failed) + " failed: " + std::to_string(err));
    e.Set("code", Napi::String::New(env, "WIN32_" + std::to_string(err)));
    throw e;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("station", Napi::String::New(env, reinterpret_cast<const char16_t *>(station.c_str())));
  o.Set("desktop", Napi::String::New(env, reinterpret_cast<const char16_t *>(desk.c_str())));
  return o;
}
