// The v1 launch pipe protocol (see daemon/src/platform/launch-protocol.ts): builds the two
// request bodies and reads the two fields we need from a response. Deliberately minimal.
#pragma once
#include <windows.h>

#define KH_MAX_MESSAGE_BYTES 4096
#define KH_MAX_USER_CHARS 256

// {"v":1,"type":"Status"}
HRESULT BuildStatusRequest(char *buf, size_t cap, size_t *len);

// {"v":1,"type":"LaunchKiosk",...}; user may be NULL/empty (omitted), else at most 256 chars.
HRESULT BuildLaunchRequest(char *buf, size_t cap, size_t *len, DWORD sessionId, bool unlockScenario,
                           bool unlockAction, PCWSTR user);

// Reads a top-level boolean member of a JSON object. S_OK and *value when present as true/false;
// S_FALSE when absent or not a boolean; KH_E_PROTOCOL when the text is not a JSON object.
HRESULT JsonTopLevelBool(const char *json, size_t len, const char *key, bool *value);

// Reads a top-level string member made of printable ASCII without escapes (e.g. SIDs) into
// out (NUL-terminated). S_FALSE when absent, not such a string, or longer than cap - 1.
HRESULT JsonTopLevelPlainString(const char *json, size_t len, const char *key, char *out, size_t cap);
