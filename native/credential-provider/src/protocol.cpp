#include "protocol.h"

#include <stdio.h>
#include <string.h>

#include "errors.h"

HRESULT BuildStatusRequest(char *buf, size_t cap, size_t *len) {
  if (!buf || !len) return E_POINTER;
  int n = snprintf(buf, cap, "{\"v\":1,\"type\":\"Status\"}");
  if (n < 0 || static_cast<size_t>(n) >= cap) return KH_E_REQUEST_TOO_LARGE;
  *len = static_cast<size_t>(n);
  return S_OK;
}

// Appends the user name as a JSON string body (no quotes). Rejects control characters so a name
// can never smuggle structure into the request; the daemon rejects them too.
static HRESULT AppendJsonUser(char *buf, size_t cap, size_t *pos, PCWSTR user) {
  char utf8[KH_MAX_USER_CHARS * 3 + 1];
  int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, user, -1, utf8, sizeof(utf8), nullptr, nullptr);
  if (n <= 0) return E_INVALIDARG;
  for (const unsigned char *p = reinterpret_cast<const unsigned char *>(utf8); *p; ++p) {
    if (*p < 0x20 || *p == 0x7f) return E_INVALIDARG;
    bool escape = (*p == '"' || *p == '\\');
    if (*pos + (escape ? 2 : 1) >= cap) return KH_E_REQUEST_TOO_LARGE;
    if (escape) buf[(*pos)++] = '\\';
    buf[(*pos)++] = static_cast<char>(*p);
  }
  buf[*pos] = '\0';
  return S_OK;
}

HRESULT BuildLaunchRequest(char *buf, size_t cap, size_t *len, DWORD sessionId, bool unlockScenario,
                           bool unlockAction, PCWSTR user) {
  if (!buf || !len) return E_POINTER;
  int n = snprintf(buf, cap, "{\"v\":1,\"type\":\"LaunchKiosk\",\"sessionId\":%lu,\"scenario\":\"%s\",\"action\":\"%s\"",
                   static_cast<unsigned long>(sessionId), unlockScenario ? "unlock" : "logon",
                   unlockAction ? "unlock" : "reset");
  if (n < 0 || static_cast<size_t>(n) >= cap) return KH_E_REQUEST_TOO_LARGE;
  size_t pos = static_cast<size_t>(n);
  HRESULT hr = S_OK;
  size_t userChars = user ? wcslen(user) : 0;
  if (userChars > 0 && userChars <= KH_MAX_USER_CHARS) {
    const char *open = ",\"user\":\"";
    size_t openLen = strlen(open);
    if (pos + openLen >= cap) return KH_E_REQUEST_TOO_LARGE;
    memcpy(buf + pos, open, openLen);
    size_t mark = pos;
    pos += openLen;
    hr = AppendJsonUser(buf, cap, &pos, user);
    if (hr == E_INVALIDARG) {
      // An unencodable name is dropped, not fatal: the kiosk asks for the name anyway.
      pos = mark;
      hr = S_OK;
    } else if (SUCCEEDED(hr)) {
      if (pos + 1 >= cap) return KH_E_REQUEST_TOO_LARGE;
      buf[pos++] = '"';
    }
  }
  if (SUCCEEDED(hr)) {
    if (pos + 1 >= cap) return KH_E_REQUEST_TOO_LARGE;
    buf[pos++] = '}';
    buf[pos] = '\0';
    *len = pos;
  }
  return hr;
}

namespace {

struct Cursor {
  const char *p;
  const char *end;
  void SkipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
  }
};

// Skips a JSON string starting at '"'; on success *start/*length describe the raw body.
bool SkipString(Cursor &c, const char **start, size_t *length) {
  if (c.p >= c.end || *c.p != '"') return false;
  ++c.p;
  const char *s = c.p;
  while (c.p < c.end && *c.p != '"') {
    if (*c.p == '\\') ++c.p;
    ++c.p;
  }
  if (c.p >= c.end) return false;
  if (start) *start = s;
  if (length) *length = static_cast<size_t>(c.p - s);
  ++c.p;
  return true;
}

// Skips any JSON value; nested containers are skipped by depth, strings respected.
bool SkipValue(Cursor &c) {
  c.SkipSpace();
  if (c.p >= c.end) return false;
  if (*c.p == '"') return SkipString(c, nullptr, nullptr);
  if (*c.p == '{' || *c.p == '[') {
    int depth = 0;
    while (c.p < c.end) {
      if (*c.p == '"') {
        if (!SkipString(c, nullptr, nullptr)) return false;
        continue;
      }
      if (*c.p == '{' || *c.p == '[') ++depth;
      if (*c.p == '}' || *c.p == ']') {
        if (--depth == 0) {
          ++c.p;
          return true;
        }
      }
      ++c.p;
    }
    return false;
  }
  const char *start = c.p;
  while (c.p < c.end && *c.p != ',' && *c.p != '}' && *c.p != ' ' && *c.p != '\n' && *c.p != '\r' && *c.p != '\t') ++c.p;
  return c.p > start;
}

}  // namespace

// Finds a top-level member; S_OK with the raw value span, S_FALSE when absent.
static HRESULT JsonTopLevelValue(const char *json, size_t len, const char *key, const char **value, size_t *valueLenOut) {
  Cursor c{json, json + len};
  c.SkipSpace();
  if (c.p >= c.end || *c.p != '{') return KH_E_PROTOCOL;
  ++c.p;
  size_t keyLen = strlen(key);
  HRESULT hr = S_FALSE;
  for (;;) {
    c.SkipSpace();
    if (c.p < c.end && *c.p == '}') return hr;
    const char *name = nullptr;
    size_t nameLen = 0;
    if (!SkipString(c, &name, &nameLen)) return KH_E_PROTOCOL;
    c.SkipSpace();
    if (c.p >= c.end || *c.p != ':') return KH_E_PROTOCOL;
    ++c.p;
    c.SkipSpace();
    const char *valueStart = c.p;
    if (!SkipValue(c)) return KH_E_PROTOCOL;
    if (nameLen == keyLen && memcmp(name, key, keyLen) == 0) {
      *value = valueStart;
      *valueLenOut = static_cast<size_t>(c.p - valueStart);
      hr = S_OK;
    }
    c.SkipSpace();
    if (c.p < c.end && *c.p == ',') {
      ++c.p;
      continue;
    }
    if (c.p < c.end && *c.p == '}') return hr;
    return KH_E_PROTOCOL;
  }
}

HRESULT JsonTopLevelBool(const char *json, size_t len, const char *key, bool *value) {
  if (!json || !key || !value) return E_POINTER;
  const char *raw = nullptr;
  size_t rawLen = 0;
  HRESULT hr = JsonTopLevelValue(json, len, key, &raw, &rawLen);
  if (hr != S_OK) return hr;
  if (rawLen == 4 && memcmp(raw, "true", 4) == 0) *value = true;
  else if (rawLen == 5 && memcmp(raw, "false", 5) == 0) *value = false;
  else return S_FALSE;
  return S_OK;
}

HRESULT JsonTopLevelPlainString(const char *json, size_t len, const char *key, char *out, size_t cap) {
  if (!json || !key || !out || cap == 0) return E_POINTER;
  out[0] = '\0';
  const char *raw = nullptr;
  size_t rawLen = 0;
  HRESULT hr = JsonTopLevelValue(json, len, key, &raw, &rawLen);
  if (hr != S_OK) return hr;
  if (rawLen < 2 || raw[0] != '"' || raw[rawLen - 1] != '"' || rawLen - 2 >= cap) return S_FALSE;
  for (size_t i = 1; i + 1 < rawLen; ++i) {
    char ch = raw[i];
    if (ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) return S_FALSE;
  }
  memcpy(out, raw + 1, rawLen - 2);
  out[rawLen - 2] = '\0';
  return S_OK;
}
