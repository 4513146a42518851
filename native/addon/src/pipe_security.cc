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

#include <vector>

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

// Reads the process token's default DACL as SDDL ("D:NO_ACCESS_CONTROL" when it has none).
bool ReadDefaultDacl(HANDLE token, std::u16string *out, const char **failed) {
  DWORD size = 0;
  GetTokenInformation(token, TokenDefaultDacl, nullptr, 0, &size);
  std::vector<BYTE> buffer(size ? size : sizeof(TOKEN_DEFAULT_DACL));
  if (!GetTokenInformation(token, TokenDefaultDacl, buffer.data(), static_cast<DWORD>(buffer.size()), &size)) {
    return (*failed = "GetTokenInformation(TokenDefaultDacl)", false);
  }
  PACL dacl = reinterpret_cast<TOKEN_DEFAULT_DACL *>(buffer.data())->DefaultDacl;
  SECURITY_DESCRIPTOR sd;
  if (!InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) || !SetSecurityDescriptorDacl(&sd, TRUE, dacl, FALSE)) {
    return (*failed = "SetSecurityDescriptorDacl", false);
  }
  LocalPtr<wchar_t> sddl;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(&sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, sddl.Put(), nullptr)) {
    return (*failed = "ConvertSecurityDescriptorToStringSecurityDescriptorW", false);
  }
  *out = U16(sddl.Get());
  return true;
}

}  // namespace

// setDefaultDacl(sddl?: string): string   (synchronous; returns the previous default DACL as SDDL)
// Sets the process token's default DACL: every object this process creates from now on without
// an explicit security descriptor and without inheritable ACEs from a parent gets it. libuv
// creates each instance of the launch pipe with NULL security attributes, so this is how the
// first instance (which fixes the pipe's descriptor) carries SYSTEM-only from its creation.
// The daemon sets it only around listen() and restores the previous value at once: while it is
// in force, threads, events and other unnamed objects the service creates are SYSTEM-only too
// (harmless: the service is SYSTEM), and files still take their directory's inheritable ACEs.
// Child processes are not affected afterwards: the kiosk runs under its own token, whose
// default DACL is its own.
Napi::Value SetDefaultDacl(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::u16string wanted = info[0].IsUndefined() ? std::u16string(kSystemOnly) : args::String(info[0], "sddl", 1024);
  auto fail = [&](const char *call, DWORD err) -> Napi::Value {
    Napi::Error e = Napi::Error::New(env, std::string(call) + " failed: " + std::to_string(err));
    e.Set("code", Napi::String::New(env, "WIN32_" + std::to_string(err)));
    e.Set("syscall", Napi::String::New(env, call));
    throw e;
  };
  UniqueHandle token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_ADJUST_DEFAULT, token.Put())) return fail("OpenProcessToken", GetLastError());
  std::u16string previous;
  const char *failed = nullptr;
  if (!ReadDefaultDacl(token.Get(), &previous, &failed)) return fail(failed, GetLastError());
  TOKEN_DEFAULT_DACL next = {nullptr};
  LocalPtr<void> descriptor;
  if (wanted != u"D:NO_ACCESS_CONTROL") {
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(W(wanted), SDDL_REVISION_1, descriptor.Put(), nullptr)) {
      return fail("ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError());
    }
    BOOL present = FALSE, defaulted = FALSE;
    if (!GetSecurityDescriptorDacl(descriptor.Get(), &present, &next.DefaultDacl, &defaulted) || !present || !next.DefaultDacl) {
      throw Napi::RangeError::New(env, "sddl must contain a DACL");
    }
  }
  if (!SetTokenInformation(token.Get(), TokenDefaultDacl, &next, sizeof(next))) return fail("SetTokenInformation(TokenDefaultDacl)", GetLastError());
  return JsString(env, previous);
}

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
