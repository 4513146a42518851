// Named-pipe server security for \\.\pipe\Keyhatch.Launch. Node's net.Server creates the pipe
// with the default DACL (Everyone may read). All instances of a named pipe share one security
// descriptor, so after listen() the daemon opens its own pipe once with WRITE_DAC and replaces
// the DACL with a protected one: by default only SYSTEM (LogonUI and the service itself).
// Remote clients never match SYSTEM: over the network a machine authenticates as its account.
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "args.h"
#include "exports.h"
#include "unique_handle.h"
#include "wide.h"
#include "worker.h"

namespace {

const char16_t kPipePrefix[] = u"\\\\.\\pipe\\";
const char16_t kSystemOnly[] = u"D:P(A;;FA;;;SY)";

std::u16string PipePath(const Napi::Value &value) {
  std::u16string path = args::String(value, "path", 256);
  if (path.rfind(kPipePrefix, 0) != 0 || path.size() == sizeof(kPipePrefix) / sizeof(char16_t) - 1) {
    throw Napi::RangeError::New(value.Env(), "path must be a local pipe path (\\\\.\\pipe\\name)");
  }
  return path;
}

// Opens the pipe as a client asking only for security access; this uses one pending
// instance, which the server sees as a connection that closes without a request.
bool OpenForSecurity(const std::u16string &path, DWORD access, UniqueHandle *out) {
  out->Reset(CreateFileW(W(path), access, 0, nullptr, OPEN_EXISTING, SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr));
  return out->Valid();
}

class RestrictPipeWorker final : public PromiseWorker {
 public:
  RestrictPipeWorker(Napi::Env env, std::u16string path, std::u16string sddl)
      : PromiseWorker(env), path_(std::move(path)), sddl_(std::move(sddl)) {}

  void Execute() override {
    LocalPtr<void> descriptor;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(W(sddl_), SDDL_REVISION_1, descriptor.Put(), nullptr)) {
      FailWin32("ConvertStringSecurityDescriptorToSecurityDescriptorW");
      return;
    }
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = nullptr;
    if (!GetSecurityDescriptorDacl(descriptor.Get(), &present, &dacl, &defaulted) || !present || !dacl) {
      Fail("INVALID_SDDL", "sddl must contain a DACL");
      return;
    }
    UniqueHandle pipe;
    if (!OpenForSecurity(path_, READ_CONTROL | WRITE_DAC, &pipe)) {
      FailWin32("CreateFileW");
      return;
    }
    DWORD err = SetSecurityInfo(pipe.Get(), SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                nullptr, nullptr, dacl, nullptr);
    if (err != ERROR_SUCCESS) FailWin32("SetSecurityInfo", err);
  }

 private:
  std::u16string path_;
  std::u16string sddl_;
};

class PipeSecurityWorker final : public PromiseWorker {
 public:
  PipeSecurityWorker(Napi::Env env, std::u16string path) : PromiseWorker(env), path_(std::move(path)) {}

  void Execute() override {
    UniqueHandle pipe;
    if (!OpenForSecurity(path_, READ_CONTROL, &pipe)) {
      FailWin32("CreateFileW");
      return;
    }
    LocalPtr<void> descriptor;
    PACL dacl = nullptr;
    DWORD err = GetSecurityInfo(pipe.Get(), SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl, nullptr,
                                descriptor.Put());
    if (err != ERROR_SUCCESS) {
      FailWin32("GetSecurityInfo", err);
      return;
    }
    LocalPtr<wchar_t> sddl;
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(descriptor.Get(), SDDL_REVISION_1, DACL_SECURITY_INFORMATION,
                                                              sddl.Put(), nullptr)) {
      FailWin32("ConvertSecurityDescriptorToStringSecurityDescriptorW");
      return;
    }
    sddl_ = U16(sddl.Get());
  }

  Napi::Value Result(Napi::Env env) override { return JsString(env, sddl_); }

 private:
  std::u16string path_;
  std::u16string sddl_;
};

}  // namespace

// restrictPipe(path: string, sddl?: string): Promise<void>   (default: SYSTEM only)
Napi::Value RestrictPipe(const Napi::CallbackInfo &info) {
  std::u16string path = PipePath(info[0]);
  std::u16string sddl = info[1].IsUndefined() ? std::u16string(kSystemOnly) : args::String(info[1], "sddl", 1024);
  return Start(new RestrictPipeWorker(info.Env(), std::move(path), std::move(sddl)));
}

// getPipeSecurity(path: string): Promise<string>   (the DACL as SDDL)
Napi::Value GetPipeSecurity(const Napi::CallbackInfo &info) {
  return Start(new PipeSecurityWorker(info.Env(), PipePath(info[0])));
}
