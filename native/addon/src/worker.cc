#include "worker.h"

namespace {

const char *Win32Name(DWORD err) {
  switch (err) {
    case ERROR_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
    case ERROR_FILE_NOT_FOUND: return "ERROR_FILE_NOT_FOUND";
    case ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
    case ERROR_INVALID_DATA: return "ERROR_INVALID_DATA";
    case ERROR_PRIVILEGE_NOT_HELD: return "ERROR_PRIVILEGE_NOT_HELD";
    case ERROR_PIPE_BUSY: return "ERROR_PIPE_BUSY";
    case ERROR_LOGON_FAILURE: return "ERROR_LOGON_FAILURE";
    case ERROR_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
    case ERROR_CALL_NOT_IMPLEMENTED: return "ERROR_CALL_NOT_IMPLEMENTED";
    default: return nullptr;
  }
}

std::string SystemMessage(DWORD err) {
  char *text = nullptr;
  DWORD n = FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                           err, 0, reinterpret_cast<char *>(&text), 0, nullptr);
  std::string message = n > 0 && text ? std::string(text, n) : "Win32 error " + std::to_string(err);
  if (text) LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == '.')) message.pop_back();
  return message;
}

}  // namespace

void PromiseWorker::FailWin32(const char *syscall, DWORD err) {
  const char *name = Win32Name(err);
  errno_ = err;
  syscall_ = syscall;
  code_ = name ? name : "WIN32_" + std::to_string(err);
  message_ = std::string(syscall) + " failed: " + SystemMessage(err);
  SetError(message_);
}

void PromiseWorker::Fail(const char *code, const std::string &message) {
  code_ = code;
  message_ = message;
  SetError(message_);
}

void PromiseWorker::OnError(const Napi::Error &) {
  Napi::Env env = Env();
  Napi::Error error = Napi::Error::New(env, message_);
  error.Set("code", Napi::String::New(env, code_));
  if (errno_) error.Set("errno", Napi::Number::New(env, errno_));
  if (!syscall_.empty()) error.Set("syscall", Napi::String::New(env, syscall_));
  deferred_.Reject(error.Value());
}
