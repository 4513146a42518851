// UTF-16 helpers: on Windows wchar_t is UTF-16, so u16string data can be passed to W APIs.
#pragma once
#include <napi.h>
#include <windows.h>

#include <string>

inline const wchar_t *W(const std::u16string &s) { return reinterpret_cast<const wchar_t *>(s.c_str()); }
inline std::u16string U16(const wchar_t *s) { return s ? std::u16string(reinterpret_cast<const char16_t *>(s)) : std::u16string(); }
inline Napi::String JsString(Napi::Env env, const std::u16string &s) { return Napi::String::New(env, s); }
