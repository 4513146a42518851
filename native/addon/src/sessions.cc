// WTS session queries: which sessions exist and who is in them, so the daemon can check that
// a LaunchKiosk sessionId names a real session before it starts anything there.
#include <windows.h>
#include <wtsapi32.h>

#include <vector>

#include "exports.h"
#include "wide.h"
#include "worker.h"

namespace {

struct SessionInfo {
  DWORD id;
  WTS_CONNECTSTATE_CLASS state;
  std::u16string winStation;
  std::u16string user;
  std::u16string domain;
};

const char *StateName(WTS_CONNECTSTATE_CLASS state) {
  switch (state) {
    case WTSActive: return "active";
    case WTSConnected: return "connected";
    case WTSConnectQuery: return "connectQuery";
    case WTSShadow: return "shadow";
    case WTSDisconnected: return "disconnected";
    case WTSIdle: return "idle";
    case WTSListen: return "listen";
    case WTSReset: return "reset";
    case WTSDown: return "down";
    case WTSInit: return "init";
    default: return "unknown";
  }
}

std::u16string QueryString(DWORD session, WTS_INFO_CLASS what) {
  LPWSTR value = nullptr;
  DWORD bytes = 0;
  std::u16string result;
  if (WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session, what, &value, &bytes) && value) result = U16(value);
  if (value) WTSFreeMemory(value);
  return result;
}

class ListSessionsWorker final : public PromiseWorker {
 public:
  explicit ListSessionsWorker(Napi::Env env) : PromiseWorker(env) {}

  void Execute() override {
    PWTS_SESSION_INFOW list = nullptr;
    DWORD count = 0;
    if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &list, &count)) {
      FailWin32("WTSEnumerateSessionsW");
      return;
    }
    for (DWORD i = 0; i < count; ++i) {
      sessions_.push_back({list[i].SessionId, list[i].State, U16(list[i].pWinStationName),
                           QueryString(list[i].SessionId, WTSUserName), QueryString(list[i].SessionId, WTSDomainName)});
    }
    WTSFreeMemory(list);
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &current_)) current_ = 0xffffffff;
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Array array = Napi::Array::New(env, sessions_.size());
    for (size_t i = 0; i < sessions_.size(); ++i) {
      const SessionInfo &s = sessions_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("sessionId", Napi::Number::New(env, s.id));
      o.Set("state", Napi::String::New(env, StateName(s.state)));
      o.Set("winStation", JsString(env, s.winStation));
      if (!s.user.empty()) o.Set("user", JsString(env, s.user));
      if (!s.domain.empty()) o.Set("domain", JsString(env, s.domain));
      o.Set("current", Napi::Boolean::New(env, s.id == current_));
      array.Set(static_cast<uint32_t>(i), o);
    }
    return array;
  }

 private:
  std::vector<SessionInfo> sessions_;
  DWORD current_ = 0xffffffff;
};

}  // namespace

// listSessions(): Promise<Array<{sessionId, state, winStation, user?, domain?, current}>>
Napi::Value ListSessions(const Napi::CallbackInfo &info) { return Start(new ListSessionsWorker(info.Env())); }
