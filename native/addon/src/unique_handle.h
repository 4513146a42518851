// RAII for kernel HANDLEs and LocalAlloc'd memory, so every early return closes what it opened.
#pragma once
#include <windows.h>

class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE h) : h_(h) {}
  UniqueHandle(const UniqueHandle &) = delete;
  UniqueHandle &operator=(const UniqueHandle &) = delete;
  UniqueHandle(UniqueHandle &&o) noexcept : h_(o.Release()) {}
  UniqueHandle &operator=(UniqueHandle &&o) noexcept {
    Reset(o.Release());
    return *this;
  }
  ~UniqueHandle() { Reset(); }

  HANDLE Get() const { return h_; }
  HANDLE *Put() {
    Reset();
    return &h_;
  }
  HANDLE Release() {
    HANDLE h = h_;
    h_ = nullptr;
    return h;
  }
  void Reset(HANDLE h = nullptr) {
    if (h_ && h_ != INVALID_HANDLE_VALUE) CloseHandle(h_);
    h_ = h;
  }
  bool Valid() const { return h_ && h_ != INVALID_HANDLE_VALUE; }

 private:
  HANDLE h_ = nullptr;
};

template <typename T>
class LocalPtr {
 public:
  LocalPtr() = default;
  LocalPtr(const LocalPtr &) = delete;
  LocalPtr &operator=(const LocalPtr &) = delete;
  ~LocalPtr() {
    if (p_) LocalFree(p_);
  }
  T *Get() const { return p_; }
  T **Put() { return &p_; }

 private:
  T *p_ = nullptr;
};
