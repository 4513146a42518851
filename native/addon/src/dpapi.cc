// DPAPI for the daemon's secrets at rest. Machine scope (CRYPTPROTECT_LOCAL_MACHINE) lets the
// service decrypt under any account on this machine only; user scope ties data to one account.
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <wincrypt.h>  // CryptProtectData (newer SDKs put it in dpapi.h, which wincrypt.h includes)

#include <string>
#include <vector>

#include "args.h"
#include "exports.h"
#include "unique_handle.h"
#include "wide.h"
#include "worker.h"

namespace {

const size_t kMaxBytes = 1 << 20;
const wchar_t kDescription[] = L"Keyhatch secret";

class DpapiWorker final : public PromiseWorker {
 public:
  DpapiWorker(Napi::Env env, bool protect, bool machine, std::vector<uint8_t> data, std::vector<uint8_t> entropy)
      : PromiseWorker(env), protect_(protect), machine_(machine), data_(std::move(data)), entropy_(std::move(entropy)) {}

  ~DpapiWorker() override {
    // Plaintext never outlives the call in this process's heap.
    SecureZeroMemory(data_.data(), data_.size());
    SecureZeroMemory(output_.data(), output_.size());
  }

  void Execute() override {
    DATA_BLOB in = {static_cast<DWORD>(data_.size()), data_.data()};
    DATA_BLOB entropy = {static_cast<DWORD>(entropy_.size()), entropy_.data()};
    DATA_BLOB out = {0, nullptr};
    // UI_FORBIDDEN: a service has no one to prompt; fail instead of hanging.
    DWORD flags = CRYPTPROTECT_UI_FORBIDDEN | (machine_ ? CRYPTPROTECT_LOCAL_MACHINE : 0);
    BOOL ok = protect_ ? CryptProtectData(&in, kDescription, entropy_.empty() ? nullptr : &entropy, nullptr, nullptr, flags, &out)
                       : CryptUnprotectData(&in, nullptr, entropy_.empty() ? nullptr : &entropy, nullptr, nullptr, flags, &out);
    if (!ok) {
      FailWin32(protect_ ? "CryptProtectData" : "CryptUnprotectData");
      return;
    }
    output_.assign(out.pbData, out.pbData + out.cbData);
    SecureZeroMemory(out.pbData, out.cbData);
    LocalFree(out.pbData);
  }

  Napi::Value Result(Napi::Env env) override { return Napi::Buffer<uint8_t>::Copy(env, output_.data(), output_.size()); }

 private:
  bool protect_;
  bool machine_;
  std::vector<uint8_t> data_;
  std::vector<uint8_t> entropy_;
  std::vector<uint8_t> output_;
};

Napi::Value Run(const Napi::CallbackInfo &info, bool protect) {
  auto data = args::Buffer(info, 0, "data", kMaxBytes);
  bool machine = args::Choice(info[1], "scope", {"machine", "user"}) == 0;
  auto entropy = args::OptionalBuffer(info, 2, "entropy", 4096);
  return Start(new DpapiWorker(info.Env(), protect, machine, std::move(data), std::move(entropy)));
}

// The data directory holds the DPAPI blobs, the per-install entropy, the store and the logs:
// full control for SYSTEM and Administrators only, inherited by everything inside, and
// protected so the parent's (ProgramData: Users may read) does not flow in.
const char16_t kDataDirSddl[] = u"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

class RestrictDirectoryWorker final : public PromiseWorker {
 public:
  RestrictDirectoryWorker(Napi::Env env, std::u16string path) : PromiseWorker(env), path_(std::move(path)) {}

  void Execute() override {
    LocalPtr<void> descriptor;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(W(kDataDirSddl), SDDL_REVISION_1, descriptor.Put(), nullptr)) {
      FailWin32("ConvertStringSecurityDescriptorToSecurityDescriptorW");
      return;
    }
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = nullptr;
    if (!GetSecurityDescriptorDacl(descriptor.Get(), &present, &dacl, &defaulted) || !present || !dacl) {
      Fail("INVALID_SDDL", "built-in descriptor has no DACL");
      return;
    }
    // SetNamedSecurityInfoW also propagates the inheritable ACEs to existing children.
    DWORD err = SetNamedSecurityInfoW(const_cast<wchar_t *>(W(path_)), SE_FILE_OBJECT,
                                      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr, nullptr, dacl, nullptr);
    if (err != ERROR_SUCCESS) FailWin32("SetNamedSecurityInfoW", err);
  }

  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::u16string path_;
};

}  // namespace

// restrictDirectory(path: string): Promise<void> — DACL: SYSTEM + Administrators, protected.
Napi::Value RestrictDirectory(const Napi::CallbackInfo &info) {
  return Start(new RestrictDirectoryWorker(info.Env(), args::String(info[0], "path", 32767)));
}

// protect(data: Buffer, scope: 'machine'|'user', entropy?: Buffer): Promise<Buffer>
Napi::Value Protect(const Napi::CallbackInfo &info) { return Run(info, true); }

// unprotect(blob: Buffer, scope: 'machine'|'user', entropy?: Buffer): Promise<Buffer>
Napi::Value Unprotect(const Napi::CallbackInfo &info) { return Run(info, false); }
