// HKLM registry reads and change notification for the Group Policy source
// (daemon/src/config/registry-policy-source.ts). Read-only: the daemon never writes policy.
//
//   readRegistryTree(path): Promise<Tree | null>  — path under HKLM (or HKCU with an "HKCU\\" prefix);
//     null when the key is absent.
//     Tree = { values: { [name]: number | string | string[] }, keys: { [name]: Tree } }
//     REG_DWORD → number, REG_SZ/REG_EXPAND_SZ → string (unexpanded), REG_MULTI_SZ → string[];
//     other types are skipped (policy never writes them). Depth is bounded.
//   watchRegistryTree(path, onChange): { close(): void }
//     RegNotifyChangeKeyValue on a dedicated thread (the call is tied to its thread), subtree,
//     names and values; onChange() runs on the JS thread, coalesced. The key must exist: watch a
//     parent (SOFTWARE\Policies) to also see the policy key appear.
#include <napi.h>
#include <windows.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "exports.h"
#include "wide.h"
#include "worker.h"

namespace {

constexpr int kMaxDepth = 4;
constexpr REGSAM kRead = KEY_READ | KEY_WOW64_64KEY;

struct Tree {
  std::map<std::u16string, DWORD> dwords;
  std::map<std::u16string, std::u16string> strings;
  std::map<std::u16string, std::vector<std::u16string>> multis;
  std::map<std::u16string, Tree> keys;
};

LSTATUS ReadTree(HKEY key, int depth, Tree *out) {
  DWORD valueCount = 0, maxName = 0, maxData = 0, subCount = 0, maxSub = 0;
  LSTATUS st = RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, &subCount, &maxSub, nullptr, &valueCount, &maxName, &maxData, nullptr, nullptr);
  if (st != ERROR_SUCCESS) return st;
  std::vector<wchar_t> name(maxName + 2);
  std::vector<BYTE> data(maxData + 4);
  for (DWORD i = 0; i < valueCount; ++i) {
    DWORD nameLen = static_cast<DWORD>(name.size()), dataLen = static_cast<DWORD>(data.size() - 4), type = 0;
    st = RegEnumValueW(key, i, name.data(), &nameLen, nullptr, &type, data.data(), &dataLen);
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st == ERROR_MORE_DATA) continue;  // changed under us; the watcher will re-read
    if (st != ERROR_SUCCESS) return st;
    std::u16string n(reinterpret_cast<const char16_t *>(name.data()), nameLen);
    // Terminate defensively: registry strings are not guaranteed to be.
    data[dataLen] = data[dataLen + 1] = data[dataLen + 2] = data[dataLen + 3] = 0;
    const char16_t *text = reinterpret_cast<const char16_t *>(data.data());
    if (type == REG_DWORD && dataLen == sizeof(DWORD)) {
      DWORD v;
      memcpy(&v, data.data(), sizeof v);
      out->dwords[n] = v;
    } else if (type == REG_SZ || type == REG_EXPAND_SZ) {
      out->strings[n] = std::u16string(text, std::char_traits<char16_t>::length(text));
    } else if (type == REG_MULTI_SZ) {
      std::vector<std::u16string> items;
      size_t chars = dataLen / 2, pos = 0;
      while (pos < chars && text[pos]) {
        size_t len = std::char_traits<char16_t>::length(text + pos);
        items.emplace_back(text + pos, len);
        pos += len + 1;
      }
      out->multis[n] = std::move(items);
    }
  }
  if (depth >= kMaxDepth) return ERROR_SUCCESS;
  std::vector<wchar_t> sub(maxSub + 2);
  for (DWORD i = 0; i < subCount; ++i) {
    DWORD len = static_cast<DWORD>(sub.size());
    st = RegEnumKeyExW(key, i, sub.data(), &len, nullptr, nullptr, nullptr, nullptr);
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st != ERROR_SUCCESS) continue;
    HKEY child = nullptr;
    if (RegOpenKeyExW(key, sub.data(), 0, kRead, &child) != ERROR_SUCCESS) continue;
    Tree t;
    if (ReadTree(child, depth + 1, &t) == ERROR_SUCCESS) out->keys[std::u16string(reinterpret_cast<const char16_t *>(sub.data()), len)] = std::move(t);
    RegCloseKey(child);
  }
  return ERROR_SUCCESS;
}

Napi::Object ToJs(Napi::Env env, const Tree &t) {
  Napi::Object values = Napi::Object::New(env);
  for (const auto &[k, v] : t.dwords) values.Set(JsString(env, k), Napi::Number::New(env, v));
  for (const auto &[k, v] : t.strings) values.Set(JsString(env, k), JsString(env, v));
  for (const auto &[k, v] : t.multis) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), JsString(env, v[i]));
    values.Set(JsString(env, k), a);
  }
  Napi::Object keys = Napi::Object::New(env);
  for (const auto &[k, v] : t.keys) keys.Set(JsString(env, k), ToJs(env, v));
  Napi::Object o = Napi::Object::New(env);
  o.Set("values", values);
  o.Set("keys", keys);
  return o;
}

class ReadTreeWorker final : public PromiseWorker {
 public:
  ReadTreeWorker(Napi::Env env, std::u16string path) : PromiseWorker(env), path_(std::move(path)) {}

  void Execute() override {
    HKEY key = nullptr;
    // "HKCU\\…" reads the calling user's hive (the preflight's per-user proxy check); else HKLM.
    HKEY root = HKEY_LOCAL_MACHINE;
    std::u16string sub = path_;
    if (sub.rfind(u"HKCU\\", 0) == 0) {
      root = HKEY_CURRENT_USER;
      sub = sub.substr(5);
    }
    LSTATUS st = RegOpenKeyExW(root, W(sub), 0, kRead, &key);
    if (st == ERROR_FILE_NOT_FOUND || st == ERROR_PATH_NOT_FOUND) return;  // absent: null
    if (st != ERROR_SUCCESS) return FailWin32("RegOpenKeyExW", static_cast<DWORD>(st));
    found_ = true;
    st = ReadTree(key, 0, &tree_);
    RegCloseKey(key);
    if (st != ERROR_SUCCESS) FailWin32("RegQueryInfoKeyW", static_cast<DWORD>(st));
  }

  Napi::Value Result(Napi::Env env) override { return found_ ? Napi::Value(ToJs(env, tree_)) : env.Null(); }

 private:
  std::u16string path_;
  bool found_ = false;
  Tree tree_;
};

// One watcher: a thread waiting on the change event and a stop event.
class Watcher {
 public:
  Watcher(HKEY key, Napi::ThreadSafeFunction tsfn) : key_(key), tsfn_(std::move(tsfn)) {
    change_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    thread_ = std::thread([this] { Run(); });
  }
  ~Watcher() { Close(); }

  void Close() {
    if (closed_.exchange(true)) return;
    SetEvent(stop_);
    if (thread_.joinable()) thread_.join();
    RegCloseKey(key_);
    CloseHandle(change_);
    CloseHandle(stop_);
    tsfn_.Release();
  }

 private:
  void Run() {
    const DWORD filter = REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET;
    HANDLE events[2] = {stop_, change_};
    for (;;) {
      if (RegNotifyChangeKeyValue(key_, TRUE, filter, change_, TRUE) != ERROR_SUCCESS) {
        // Cannot watch (key deleted?): poll slowly rather than spin or go silent.
        if (WaitForSingleObject(stop_, 5000) == WAIT_OBJECT_0) return;
        tsfn_.NonBlockingCall();
        continue;
      }
      DWORD r = WaitForMultipleObjects(2, events, FALSE, INFINITE);
      if (r != WAIT_OBJECT_0 + 1) return;
      // Policy refresh writes many values in a burst: wait for quiet, then report once.
      while (WaitForSingleObject(stop_, 200) == WAIT_TIMEOUT && WaitForSingleObject(change_, 0) == WAIT_OBJECT_0) {
      }
      if (WaitForSingleObject(stop_, 0) == WAIT_OBJECT_0) return;
      tsfn_.NonBlockingCall();
    }
  }

  HKEY key_;
  Napi::ThreadSafeFunction tsfn_;
  HANDLE change_ = nullptr;
  HANDLE stop_ = nullptr;
  std::thread thread_;
  std::atomic<bool> closed_{false};
};

}  // namespace

// readRegistryTree(path: string): Promise<Tree | null>
Napi::Value ReadRegistryTree(const Napi::CallbackInfo &info) {
  std::u16string path = args::String(info[0], "path", 255);
  return Start(new ReadTreeWorker(info.Env(), std::move(path)));
}

// watchRegistryTree(path: string, onChange: () => void): { close(): void }
Napi::Value WatchRegistryTree(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::u16string path = args::String(info[0], "path", 255);
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "onChange must be a function");
  HKEY key = nullptr;
  LSTATUS st = RegOpenKeyExW(HKEY_LOCAL_MACHINE, W(path), 0, KEY_NOTIFY | KEY_WOW64_64KEY, &key);
  if (st != ERROR_SUCCESS) {
    Napi::Error e = Napi::Error::New(env, "RegOpenKeyExW failed for HKLM\\" + Napi::String::New(env, path).Utf8Value());
    e.Set("errno", Napi::Number::New(env, st));
    e.Set("syscall", Napi::String::New(env, "RegOpenKeyExW"));
    throw e;
  }
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "keyhatch-registry-watch", 0, 1);
  // The JS handle owns the watcher; close() is idempotent and also runs at garbage collection.
  auto *watcher = new Watcher(key, tsfn);
  tsfn.Unref(env);  // a watch alone must not keep the daemon alive
  Napi::Object handle = Napi::Object::New(env);
  auto owner = std::make_shared<std::unique_ptr<Watcher>>(watcher);
  handle.Set("close", Napi::Function::New(env, [owner](const Napi::CallbackInfo &) {
    if (*owner) (*owner)->Close();
  }, "close"));
  return handle;
}
