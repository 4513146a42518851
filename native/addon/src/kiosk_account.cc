// kioskAccount(name, action): the kiosk account's life outside a launch, for an identity that
// passes LAPS / security baselines: one local account, created at install (the MSI runs
// `keyhatch kiosk-account ensure` or calls "ensure"), disabled except for the instant of each
// launch's LogonUser, never created or rotated per click.
//   "status"  → {exists, disabled}
//   "ensure"  → creates it disabled (random password, remote logon denied) if it does not exist
//   "disable" → sets UF_ACCOUNTDISABLE (the service does this at start)
#include "args.h"
#include "exports.h"
#include "kiosk_token.h"
#include "worker.h"

namespace {

class AccountWorker final : public PromiseWorker {
 public:
  AccountWorker(Napi::Env env, std::u16string account, std::string action)
      : PromiseWorker(env), account_(std::move(account)), action_(std::move(action)) {}

  void Execute() override {
    LaunchError error;
    bool ok = true;
    if (action_ == "ensure") ok = EnsureKioskAccount(account_, &error);
    else if (action_ == "disable") ok = DisableKioskAccount(account_, &error);
    if (!ok) {
      if (error.code) Fail(error.code, error.message);
      else FailWin32(error.syscall, error.win32);
      return;
    }
    DWORD err = 0;
    exists_ = AccountExists(account_, &disabled_, &err);
    if (err != 0) FailWin32("NetUserGetInfo", err);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("exists", Napi::Boolean::New(env, exists_));
    o.Set("disabled", Napi::Boolean::New(env, exists_ && disabled_));
    return o;
  }

 private:
  std::u16string account_;
  std::string action_;
  bool exists_ = false;
  bool disabled_ = false;
};

}  // namespace

// kioskAccount(name, "status" | "ensure" | "disable"): Promise<{exists, disabled}>
Napi::Value KioskAccount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::u16string account = args::String(info[0], "account", 20);
  if (account.find_first_of(u"\"/\\[]:;|=,+*?<>@ ") != std::u16string::npos) {
    throw Napi::RangeError::New(env, "account must be a plain local user name (no \\ / [ ] : ; | = , + * ? < > @ or spaces)");
  }
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "action must be \"status\", \"ensure\" or \"disable\"");
  std::string action = info[1].As<Napi::String>().Utf8Value();
  if (action != "status" && action != "ensure" && action != "disable") {
    throw Napi::RangeError::New(env, "action must be \"status\", \"ensure\" or \"disable\"");
  }
  return Start(new AccountWorker(env, std::move(account), std::move(action)));
}
