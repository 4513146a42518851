// Windows Event Log writes for the audit logger, source "Keyhatch" (registered by the MSI).
#include "args.h"
#include "exports.h"
#include "wide.h"
#include "worker.h"

namespace {

class EventLogWorker final : public PromiseWorker {
 public:
  EventLogWorker(Napi::Env env, WORD type, DWORD eventId, std::u16string message)
      : PromiseWorker(env), type_(type), eventId_(eventId), message_(std::move(message)) {}

  void Execute() override {
    HANDLE source = RegisterEventSourceW(nullptr, L"Keyhatch");
    if (!source) {
      FailWin32("RegisterEventSourceW");
      return;
    }
    LPCWSTR strings[1] = {W(message_)};
    BOOL ok = ReportEventW(source, type_, 0, eventId_, nullptr, 1, 0, strings, nullptr);
    DWORD err = GetLastError();
    DeregisterEventSource(source);
    if (!ok) FailWin32("ReportEventW", err);
  }

 private:
  WORD type_;
  DWORD eventId_;
  std::u16string message_;
};

}  // namespace

// writeEventLog(level: 'info'|'warning'|'error', eventId: number, message: string): Promise<void>
Napi::Value WriteEventLog(const Napi::CallbackInfo &info) {
  static const WORD types[] = {EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE, EVENTLOG_ERROR_TYPE};
  size_t level = args::Choice(info[0], "level", {"info", "warning", "error"});
  // Event IDs are 16 bits in the Event Viewer; the upper bits are severity/facility.
  uint32_t eventId = args::UInt32(info[1], "eventId", 0xffff);
  // ReportEvent's per-string limit is 31,839 characters.
  std::u16string message = args::String(info[2], "message", 31839);
  return Start(new EventLogWorker(info.Env(), types[level], eventId, std::move(message)));
}
