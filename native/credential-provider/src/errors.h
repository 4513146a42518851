// Every HRESULT this DLL invents, in one place. FACILITY_ITF codes 0x0200+ are ours.
#pragma once
#include <windows.h>

#define KH_MAKE_ERROR(code) MAKE_HRESULT(SEVERITY_ERROR, FACILITY_ITF, 0x0200 + (code))

// No daemon is listening on \\.\pipe\Keyhatch.Launch.
#define KH_E_DAEMON_UNREACHABLE KH_MAKE_ERROR(1)
// Connect or I/O exceeded its deadline (100 ms each).
#define KH_E_TIMEOUT KH_MAKE_ERROR(2)
// The daemon's answer was not a valid v1 frame or JSON object.
#define KH_E_PROTOCOL KH_MAKE_ERROR(3)
// The daemon answered {"ok":false,...}.
#define KH_E_REJECTED KH_MAKE_ERROR(4)
// A request could not be encoded (too long).
#define KH_E_REQUEST_TOO_LARGE KH_MAKE_ERROR(5)
// Whatever serves \\.\pipe\Keyhatch.Launch is not the Keyhatch service (SYSTEM or its service SID):
// a squatter. Nothing was sent.
#define KH_E_UNTRUSTED_SERVER KH_MAKE_ERROR(6)
