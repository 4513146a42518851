// Base for every blocking Win32 call: one Napi::AsyncWorker per call, settled as a promise.
// A failure carries the Win32 error as err.code ("ERROR_ACCESS_DENIED", or "WIN32_<n>"),
// err.errno and err.syscall, so the TypeScript side can branch without parsing text.
#pragma once
#include <napi.h>
#include <windows.h>

#include <string>

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  // Records a Win32 failure from Execute(); `err` defaults to GetLastError().
  void FailWin32(const char *syscall, DWORD err = GetLastError());
  // Records a failure that is not a Win32 error.
  void Fail(const char *code, const std::string &message);
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

 private:
  void OnOK() override { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error &) override;

  Napi::Promise::Deferred deferred_;
  std::string code_;
  std::string syscall_;
  std::string message_;
  DWORD errno_ = 0;
};

// Queues the worker and returns its promise.
inline Napi::Value Start(PromiseWorker *worker) {
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
