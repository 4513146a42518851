// changeCachedPassword: updates this machine's cached logon verifier for a domain user through
// MSV1_0's ChangeCachedPassword request (LsaCallAuthenticationPackage), so an offline laptop
// accepts the new password. Needs SYSTEM (the service). The daemon decides when to call it
// (daemon/src/platform/cached-credential.ts); see docs/native.md for the caveats.
#include <windows.h>
#include <ntsecapi.h>

#include <string>
#include <vector>

#include "args.h"
#include "cached_password_request.h"
#include "exports.h"
#include "wide.h"
#include "worker.h"

namespace {

class CachedPasswordWorker final : public PromiseWorker {
 public:
  CachedPasswordWorker(Napi::Env env, std::wstring domain, std::wstring account, std::wstring password)
      : PromiseWorker(env), domain_(std::move(domain)), account_(std::move(account)), password_(std::move(password)) {}
  ~CachedPasswordWorker() override { SecureZeroMemory(&password_[0], password_.size() * sizeof(wchar_t)); }

  void Execute() override {
    std::vector<BYTE> request;
    bool built = BuildChangeCachedPasswordRequest(domain_, account_, password_, &request);
    SecureZeroMemory(&password_[0], password_.size() * sizeof(wchar_t));
    if (!built) {
      Fail("INVALID_ARGUMENT", "domain, account or password too long");
      return;
    }
    HANDLE lsa = nullptr;
    NTSTATUS status = LsaConnectUntrusted(&lsa);
    ULONG package = 0;
    if (status == 0) {
      char name[] = MSV1_0_PACKAGE_NAME;
      LSA_STRING packageName = {static_cast<USHORT>(sizeof(name) - 1), static_cast<USHORT>(sizeof(name)), name};
      status = LsaLookupAuthenticationPackage(lsa, &packageName, &package);
    }
    PVOID response = nullptr;
    ULONG responseSize = 0;
    NTSTATUS protocolStatus = 0;
    if (status == 0) {
      status = LsaCallAuthenticationPackage(lsa, package, request.data(), static_cast<ULONG>(request.size()), &response, &responseSize,
                                            &protocolStatus);
    }
    SecureZeroMemory(request.data(), request.size());
    if (response) LsaFreeReturnBuffer(response);
    if (lsa) LsaDeregisterLogonProcess(lsa);
    if (status == 0 && protocolStatus != 0) status = protocolStatus;
    if (status != 0) FailWin32("LsaCallAuthenticationPackage(MsV1_0ChangeCachedPassword)", LsaNtStatusToWinError(status));
  }

 private:
  std::wstring domain_;
  std::wstring account_;
  std::wstring password_;
};

std::wstring Wide(const std::u16string &s) { return std::wstring(s.begin(), s.end()); }

}  // namespace

// changeCachedPassword(domain: string, account: string, newPassword: string): Promise<void>
Napi::Value ChangeCachedPassword(const Napi::CallbackInfo &info) {
  std::wstring domain = Wide(args::String(info[0], "domain", 256, true));
  std::wstring account = Wide(args::String(info[1], "account", 256));
  std::u16string password = args::String(info[2], "newPassword", 256);
  std::wstring wide = Wide(password);
  SecureZeroMemory(&password[0], password.size() * sizeof(char16_t));
  return Start(new CachedPasswordWorker(info.Env(), std::move(domain), std::move(account), std::move(wide)));
}
