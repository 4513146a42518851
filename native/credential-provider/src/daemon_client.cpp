#include "daemon_client.h"

#include "errors.h"
#include "pipe_client.h"
#include "protocol.h"

static HRESULT CheckOk(const char *response, size_t length) {
  bool ok = false;
  HRESULT hr = JsonTopLevelBool(response, length, "ok", &ok);
  if (hr == S_FALSE) hr = KH_E_PROTOCOL;
  if (SUCCEEDED(hr) && !ok) hr = KH_E_REJECTED;
  return hr;
}

HRESULT QueryDaemonStatus(bool *available, char *resetSids, size_t resetSidsCap) {
  if (!available || !resetSids || resetSidsCap == 0) return E_POINTER;
  *available = false;
  resetSids[0] = '\0';
  char request[64];
  size_t requestLen = 0;
  HRESULT hr = BuildStatusRequest(request, sizeof(request), &requestLen);
  char response[KH_MAX_MESSAGE_BYTES + 1];
  size_t responseLen = 0;
  bool delivered = false;
  if (SUCCEEDED(hr)) hr = PipeExchange(KH_PIPE_NAME, request, requestLen, response, sizeof(response), &responseLen, &delivered);
  if (SUCCEEDED(hr)) hr = CheckOk(response, responseLen);
  if (SUCCEEDED(hr)) {
    hr = JsonTopLevelBool(response, responseLen, "available", available);
    if (hr == S_FALSE) hr = KH_E_PROTOCOL;
  }
  // Users reset in the last minutes (comma-separated SIDs); absent or malformed means none.
  if (SUCCEEDED(hr) && JsonTopLevelPlainString(response, responseLen, "resetSids", resetSids, resetSidsCap) != S_OK) resetSids[0] = '\0';
  return hr;
}

HRESULT RequestKioskLaunch(DWORD sessionId, bool unlockScenario, bool unlockAction, PCWSTR user, bool *delivered) {
  if (!delivered) return E_POINTER;
  *delivered = false;
  char request[KH_MAX_MESSAGE_BYTES];
  size_t requestLen = 0;
  HRESULT hr = BuildLaunchRequest(request, sizeof(request), &requestLen, sessionId, unlockScenario, unlockAction, user);
  char response[KH_MAX_MESSAGE_BYTES + 1];
  size_t responseLen = 0;
  if (SUCCEEDED(hr)) hr = PipeExchange(KH_PIPE_NAME, request, requestLen, response, sizeof(response), &responseLen, delivered);
  if (SUCCEEDED(hr)) hr = CheckOk(response, responseLen);
  return hr;
}
