// Argument validation for the exported functions. Each throws a TypeError/RangeError whose
// message names the argument, synchronously, before any worker is queued.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace args {

std::vector<uint8_t> Buffer(const Napi::CallbackInfo &info, size_t index, const char *name, size_t maxBytes);
std::vector<uint8_t> OptionalBuffer(const Napi::CallbackInfo &info, size_t index, const char *name, size_t maxBytes);
std::u16string String(const Napi::Value &value, const char *name, size_t maxChars, bool allowEmpty = false);
uint32_t UInt32(const Napi::Value &value, const char *name, uint32_t max = 0xffffffffu);
// One of the listed choices; returns its index.
size_t Choice(const Napi::Value &value, const char *name, const std::vector<const char *> &choices);
Napi::Object Object(const Napi::CallbackInfo &info, size_t index, const char *name);

}  // namespace args
