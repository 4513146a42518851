#include "args.h"

namespace args {

[[noreturn]] static void ThrowType(Napi::Env env, const std::string &message) {
  throw Napi::TypeError::New(env, message);
}

[[noreturn]] static void ThrowRange(Napi::Env env, const std::string &message) {
  throw Napi::RangeError::New(env, message);
}

std::vector<uint8_t> Buffer(const Napi::CallbackInfo &info, size_t index, const char *name, size_t maxBytes) {
  Napi::Value value = info[index];
  if (!value.IsBuffer()) ThrowType(info.Env(), std::string(name) + " must be a Buffer");
  auto buffer = value.As<Napi::Buffer<uint8_t>>();
  if (buffer.Length() > maxBytes) ThrowRange(info.Env(), std::string(name) + " must be at most " + std::to_string(maxBytes) + " bytes");
  return std::vector<uint8_t>(buffer.Data(), buffer.Data() + buffer.Length());
}

std::vector<uint8_t> OptionalBuffer(const Napi::CallbackInfo &info, size_t index, const char *name, size_t maxBytes) {
  if (info[index].IsUndefined()) return {};
  return Buffer(info, index, name, maxBytes);
}

std::u16string String(const Napi::Value &value, const char *name, size_t maxChars, bool allowEmpty) {
  if (!value.IsString()) ThrowType(value.Env(), std::string(name) + " must be a string");
  std::u16string s = value.As<Napi::String>().Utf16Value();
  if (!allowEmpty && s.empty()) ThrowRange(value.Env(), std::string(name) + " must not be empty");
  if (s.size() > maxChars) ThrowRange(value.Env(), std::string(name) + " must be at most " + std::to_string(maxChars) + " characters");
  if (s.find(u'\0') != std::u16string::npos) ThrowRange(value.Env(), std::string(name) + " must not contain NUL characters");
  return s;
}

uint32_t UInt32(const Napi::Value &value, const char *name, uint32_t max) {
  if (!value.IsNumber()) ThrowType(value.Env(), std::string(name) + " must be a number");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > max || d != static_cast<double>(static_cast<uint32_t>(d))) {
    ThrowRange(value.Env(), std::string(name) + " must be an integer from 0 to " + std::to_string(max));
  }
  return static_cast<uint32_t>(d);
}

size_t Choice(const Napi::Value &value, const char *name, const std::vector<const char *> &choices) {
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) list += (i ? ", '" : "'") + std::string(choices[i]) + "'";
  if (!value.IsString()) ThrowType(value.Env(), std::string(name) + " must be one of " + list);
  std::string s = value.As<Napi::String>().Utf8Value();
  for (size_t i = 0; i < choices.size(); ++i) {
    if (s == choices[i]) return i;
  }
  ThrowRange(value.Env(), std::string(name) + " must be one of " + list);
}

Napi::Object Object(const Napi::CallbackInfo &info, size_t index, const char *name) {
  Napi::Value value = info[index];
  if (!value.IsObject() || value.IsArray()) ThrowType(info.Env(), std::string(name) + " must be an object");
  return value.As<Napi::Object>();
}

}  // namespace args
