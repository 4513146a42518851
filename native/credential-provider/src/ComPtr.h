// A tiny owning COM pointer: AddRef on copy, Release on reset/destruction. Only for COM
// interfaces (never mixed with std::unique_ptr, which would call delete instead of Release).
#pragma once
#include <unknwn.h>

template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ComPtr(T *p) : p_(p) { if (p_) p_->AddRef(); }
  ComPtr(const ComPtr &o) : ComPtr(o.p_) {}
  ComPtr &operator=(const ComPtr &o) { Reset(o.p_); return *this; }
  ~ComPtr() { Reset(nullptr); }

  void Reset(T *p) {
    if (p) p->AddRef();
    T *old = p_;
    p_ = p;
    if (old) old->Release();
  }
  // Takes over a reference the caller already owns (e.g. from QueryInterface).
  void Attach(T *p) { Reset(nullptr); p_ = p; }
  // For out-parameters: releases the current pointer first.
  T **ReleaseAndGetAddressOf() { Reset(nullptr); return &p_; }
  T *Get() const { return p_; }
  T *operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T *p_ = nullptr;
};
