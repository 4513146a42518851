// The two questions the provider asks the daemon, on top of PipeExchange.
#pragma once
#include <windows.h>

// S_OK and *available from {"ok":true,"available":...}; an error HRESULT when the daemon is
// unreachable, slow or answered something else.
HRESULT QueryDaemonStatus(bool *available, char *resetSids, size_t resetSidsCap);

// Asks the daemon to start the kiosk in this session. S_OK on {"ok":true}; KH_E_REJECTED when
// the daemon said no; *delivered tells whether the request at least reached the daemon.
HRESULT RequestKioskLaunch(DWORD sessionId, bool unlockScenario, bool unlockAction, PCWSTR user, bool *delivered);
