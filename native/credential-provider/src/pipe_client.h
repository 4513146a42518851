// One request/response exchange with the daemon over \\.\pipe\Keyhatch.Launch.
// Every wait is bounded (connect 100 ms, each I/O 100 ms) so a dead or hung daemon costs
// LogonUI's worker thread at most a few hundred milliseconds and never the UI thread.
#pragma once
#include <windows.h>

#define KH_PIPE_NAME L"\\\\.\\pipe\\Keyhatch.Launch"
#define KH_CONNECT_TIMEOUT_MS 100
#define KH_IO_TIMEOUT_MS 100

// Sends body (UTF-8 JSON) framed with its 4-byte LE length and reads one framed response into
// response (NUL-terminated). *requestDelivered tells whether the daemon received the request
// (useful when only the answer timed out).
HRESULT PipeExchange(PCWSTR pipeName, const char *body, size_t bodyLen, char *response, size_t responseCap,
                     size_t *responseLen, bool *requestDelivered);
