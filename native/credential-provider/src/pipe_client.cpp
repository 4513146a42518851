#include "pipe_client.h"

#include "errors.h"
#include "protocol.h"

namespace {

// Opens the pipe within the deadline. ERROR_FILE_NOT_FOUND means no daemon: fail fast.
HRESULT Connect(PCWSTR pipeName, HANDLE *pipe) {
  ULONGLONG deadline = GetTickCount64() + KH_CONNECT_TIMEOUT_MS;
  for (;;) {
    // SECURITY_IDENTIFICATION: the server may learn who we are but can never act as SYSTEM.
    HANDLE h = CreateFileW(pipeName, GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    if (h != INVALID_HANDLE_VALUE) {
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
