// Background work for the tile, so no COM call from LogonUI ever waits on the daemon:
// a polling thread asks the daemon for its status, and a launch thread sends LaunchKiosk.
// Both report through ICredentialProviderEvents::CredentialsChanged, which LogonUI accepts
// from any thread (Microsoft's SampleHardwareEventCredentialProvider does the same); LogonUI
// then re-reads the tile's field states and strings.
#pragma once
#include "ComPtr.h"
#include "credprov.h"

enum class DaemonState : LONG { Unknown = 0, Available = 1, Unavailable = 2 };
enum class LaunchState : LONG { None = 0, Starting = 1, Failed = 2 };

class StatusMonitor final {
 public:
  static HRESULT Create(StatusMonitor **out);
  ULONG AddRef();
  ULONG Release();

  HRESULT Start();   // starts the polling thread (idempotent)
  void Stop();       // asks the threads to finish; never waits

  void SetSink(ICredentialProviderEvents *events, UINT_PTR context);
  // After ClearSink returns no CredentialsChanged from our threads reaches LogonUI: it waits for
  // a notification already in flight (unless called from inside that very notification).
  void ClearSink();

  // Whether the daemon reported a completed reset for this user SID (its last Status answer).
  bool WasReset(PCWSTR sid) const;

  DaemonState State() const { return static_cast<DaemonState>(InterlockedCompareExchange(const_cast<LONG *>(&state_), 0, 0)); }
  LaunchState Launch() const { return static_cast<LaunchState>(InterlockedCompareExchange(const_cast<LONG *>(&launch_), 0, 0)); }

  // Sends LaunchKiosk on a worker thread. S_FALSE when a launch is already in flight.
  HRESULT BeginLaunch(DWORD sessionId, bool unlockScenario, bool unlockAction, PCWSTR user);

 private:
  StatusMonitor();
  ~StatusMonitor();
  static DWORD WINAPI PollThread(void *self);
  static DWORD WINAPI LaunchThread(void *self);
  HRESULT StartThread(LPTHREAD_START_ROUTINE routine);
  void SetState(DaemonState state);
  void SetLaunch(LaunchState launch);
  void NotifyChanged();

  LONG refs_ = 1;
  LONG state_ = static_cast<LONG>(DaemonState::Unknown);
  LONG launch_ = static_cast<LONG>(LaunchState::None);
  LONG launching_ = 0;
  LONG started_ = 0;
  HANDLE stop_ = nullptr;
  HANDLE poke_ = nullptr;  // auto-reset: a launch finished, poll now and then faster
  SRWLOCK lock_ = SRWLOCK_INIT;  // guards sink_, context_, resetSids_ and the pending launch request
  SRWLOCK notifying_ = SRWLOCK_INIT;  // held shared while a CredentialsChanged call runs
  char resetSids_[2048] = "";
  ComPtr<ICredentialProviderEvents> sink_;
  UINT_PTR context_ = 0;
  DWORD pendingSession_ = 0;
  bool pendingUnlockScenario_ = false;
  bool pendingUnlockAction_ = false;
  WCHAR pendingUser_[257] = L"";
};
