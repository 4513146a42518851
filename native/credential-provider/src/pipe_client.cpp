#include "pipe_client.h"

#include <sddl.h>

#include "errors.h"
#include "protocol.h"

namespace {

// An extra trusted server account for machines whose service does not run as SYSTEM (and for
// the Wine tests, where every process runs as the one Wine user): a string SID under an
// administrators-only key. Administrators can replace this DLL anyway, so it grants nothing new.
bool ConfiguredServerSid(PSID *sid) {
  WCHAR text[192];
  DWORD bytes = sizeof(text);
  if (RegGetValueW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Keyhatch\\CredentialProvider", L"TrustedPipeServerSid", RRF_RT_REG_SZ, nullptr, text,
                   &bytes) != ERROR_SUCCESS) {
    return false;
  }
  return ConvertStringSidToSidW(text, sid) != FALSE;
}

// Trusted: the serving process's token user is SYSTEM, or its user or an enabled group is the
// Keyhatch service SID (NT SERVICE\Keyhatch), or the configured SID. Anything we cannot read is
// untrusted.
bool ServerTrusted(HANDLE pipe) {
  ULONG pid = 0;
  if (!GetNamedPipeServerProcessId(pipe, &pid) || pid == 0) return false;
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (!process) return false;
  HANDLE token = nullptr;
  BOOL opened = OpenProcessToken(process, TOKEN_QUERY, &token);
  CloseHandle(process);
  if (!opened) return false;
  BYTE userBuffer[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
  DWORD size = 0;
  bool trusted = false;
  if (GetTokenInformation(token, TokenUser, userBuffer, sizeof(userBuffer), &size)) {
    PSID user = reinterpret_cast<TOKEN_USER *>(userBuffer)->User.Sid;
    trusted = IsWellKnownSid(user, WinLocalSystemSid) != FALSE;
    PSID configured = nullptr;
    if (!trusted && ConfiguredServerSid(&configured)) {
      trusted = EqualSid(user, configured) != FALSE;
      LocalFree(configured);
    }
    if (!trusted) {
      // The service SID: S-1-5-80-<SHA-1 of the upper-cased service name>, looked up by name.
      BYTE serviceSid[SECURITY_MAX_SID_SIZE];
      DWORD sidSize = sizeof(serviceSid);
      WCHAR domain[64];
      DWORD domainChars = ARRAYSIZE(domain);
      SID_NAME_USE use;
      if (LookupAccountNameW(nullptr, L"NT SERVICE\\Keyhatch", serviceSid, &sidSize, domain, &domainChars, &use)) {
        trusted = EqualSid(user, serviceSid) != FALSE;
        if (!trusted) {
          DWORD needed = 0;
          GetTokenInformation(token, TokenGroups, nullptr, 0, &needed);
          BYTE *groups = needed ? static_cast<BYTE *>(LocalAlloc(LMEM_FIXED, needed)) : nullptr;
          if (groups && GetTokenInformation(token, TokenGroups, groups, needed, &needed)) {
            TOKEN_GROUPS *list = reinterpret_cast<TOKEN_GROUPS *>(groups);
            for (DWORD i = 0; i < list->GroupCount && !trusted; ++i) {
              trusted = (list->Groups[i].Attributes & SE_GROUP_ENABLED) && EqualSid(list->Groups[i].Sid, serviceSid);
            }
          }
          if (groups) LocalFree(groups);
        }
      }
    }
  }
  CloseHandle(token);
  return trusted;
}

// Opens the pipe within the deadline. ERROR_FILE_NOT_FOUND means no daemon: fail fast.
HRESULT Connect(PCWSTR pipeName, HANDLE *pipe) {
  ULONGLONG deadline = GetTickCount64() + KH_CONNECT_TIMEOUT_MS;
  for (;;) {
    // SECURITY_IDENTIFICATION: the server may learn who we are but can never act as SYSTEM.
    HANDLE h = CreateFileW(pipeName, GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    if (h != INVALID_HANDLE_VALUE) {
      // A process that created the name before the service (squatting) must never get a byte.
      if (!ServerTrusted(h)) {
        CloseHandle(h);
        return KH_E_UNTRUSTED_SERVER;
      }
      *pipe = h;
      return S_OK;
    }
    DWORD err = GetLastError();
    if (err != ERROR_PIPE_BUSY) return err == ERROR_FILE_NOT_FOUND ? KH_E_DAEMON_UNREACHABLE : HRESULT_FROM_WIN32(err);
    ULONGLONG now = GetTickCount64();
    if (now >= deadline) return KH_E_TIMEOUT;
    if (!WaitNamedPipeW(pipeName, static_cast<DWORD>(deadline - now))) {
      err = GetLastError();
      if (err == ERROR_SEM_TIMEOUT) return KH_E_TIMEOUT;
      if (err == ERROR_FILE_NOT_FOUND) return KH_E_DAEMON_UNREACHABLE;
    }
  }
}

// Runs one overlapped read or write of exactly `size` bytes, bounded by KH_IO_TIMEOUT_MS overall.
HRESULT TransferAll(HANDLE pipe, HANDLE event, bool write, char *data, DWORD size) {
  ULONGLONG deadline = GetTickCount64() + KH_IO_TIMEOUT_MS;
  DWORD done = 0;
  while (done < size) {
    OVERLAPPED ov = {};
    ov.hEvent = event;
    ResetEvent(event);
    DWORD n = 0;
    BOOL ok = write ? WriteFile(pipe, data + done, size - done, &n, &ov) : ReadFile(pipe, data + done, size - done, &n, &ov);
    if (!ok) {
      DWORD err = GetLastError();
      if (err == ERROR_BROKEN_PIPE) return KH_E_PROTOCOL;
      if (err != ERROR_IO_PENDING && err != ERROR_MORE_DATA) return HRESULT_FROM_WIN32(err);
      ULONGLONG now = GetTickCount64();
      DWORD wait = now >= deadline ? 0 : static_cast<DWORD>(deadline - now);
      if (err == ERROR_IO_PENDING && WaitForSingleObject(event, wait) != WAIT_OBJECT_0) {
        CancelIoEx(pipe, &ov);
        GetOverlappedResult(pipe, &ov, &n, TRUE);  // the OVERLAPPED lives on this stack frame
        return KH_E_TIMEOUT;
      }
      if (!GetOverlappedResult(pipe, &ov, &n, FALSE)) {
        err = GetLastError();
        if (err == ERROR_BROKEN_PIPE) return KH_E_PROTOCOL;
        if (err != ERROR_MORE_DATA) return HRESULT_FROM_WIN32(err);
      }
    }
    if (n == 0 && !write) return KH_E_PROTOCOL;
    done += n;
  }
  return S_OK;
}

}  // namespace

HRESULT PipeExchange(PCWSTR pipeName, const char *body, size_t bodyLen, char *response, size_t responseCap,
                     size_t *responseLen, bool *requestDelivered) {
  if (!pipeName || !body || !response || !responseLen || !requestDelivered) return E_POINTER;
  *requestDelivered = false;
  *responseLen = 0;
  if (bodyLen == 0 || bodyLen > KH_MAX_MESSAGE_BYTES || responseCap < 2) return E_INVALIDARG;

  char frame[4 + KH_MAX_MESSAGE_BYTES];
  frame[0] = static_cast<char>(bodyLen & 0xff);
  frame[1] = static_cast<char>((bodyLen >> 8) & 0xff);
  frame[2] = static_cast<char>((bodyLen >> 16) & 0xff);
  frame[3] = static_cast<char>((bodyLen >> 24) & 0xff);
  CopyMemory(frame + 4, body, bodyLen);

  HANDLE pipe = INVALID_HANDLE_VALUE;
  HRESULT hr = Connect(pipeName, &pipe);
  HANDLE event = nullptr;
  if (SUCCEEDED(hr)) {
    event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (!event) hr = HRESULT_FROM_WIN32(GetLastError());
  }
  if (SUCCEEDED(hr)) hr = TransferAll(pipe, event, true, frame, static_cast<DWORD>(4 + bodyLen));
  if (SUCCEEDED(hr)) {
    *requestDelivered = true;
    unsigned char header[4];
    hr = TransferAll(pipe, event, false, reinterpret_cast<char *>(header), 4);
    DWORD length = 0;
    if (SUCCEEDED(hr)) {
      length = header[0] | (header[1] << 8) | (header[2] << 16) | (static_cast<DWORD>(header[3]) << 24);
      if (length == 0 || length > KH_MAX_MESSAGE_BYTES || length >= responseCap) hr = KH_E_PROTOCOL;
    }
    if (SUCCEEDED(hr)) hr = TransferAll(pipe, event, false, response, length);
    if (SUCCEEDED(hr)) {
      response[length] = '\0';
      *responseLen = length;
    }
  }
  if (event) CloseHandle(event);
  if (pipe != INVALID_HANDLE_VALUE) CloseHandle(pipe);
  return hr;
}
