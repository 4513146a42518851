#include "StatusMonitor.h"

#include <new>

#include "daemon_client.h"
#include "dll.h"
#include "errors.h"
#include "helpers.h"

// Poll quickly while the daemon is missing (it usually starts after LogonUI at boot), slowly
// once it answers.
static const DWORD kPollUnavailableMs = 3000;
static const DWORD kPollAvailableMs = 30000;

StatusMonitor::StatusMonitor() { DllAddRef(); }

StatusMonitor::~StatusMonitor() {
  if (stop_) CloseHandle(stop_);
  DllRelease();
}

HRESULT StatusMonitor::Create(StatusMonitor **out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  StatusMonitor *monitor = new (std::nothrow) StatusMonitor();
  if (!monitor) return E_OUTOFMEMORY;
  monitor->stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (!monitor->stop_) {
    HRESULT hr = HRESULT_FROM_WIN32(GetLastError());
    monitor->Release();
    return hr;
  }
  *out = monitor;
  return S_OK;
}

ULONG StatusMonitor::AddRef() { return static_cast<ULONG>(InterlockedIncrement(&refs_)); }

ULONG StatusMonitor::Release() {
  LONG refs = InterlockedDecrement(&refs_);
  if (refs == 0) delete this;
  return static_cast<ULONG>(refs);
}

// Each worker holds a reference to the monitor and one to the DLL module, released with
// FreeLibraryAndExitThread so the code it runs cannot be unmapped under it.
HRESULT StatusMonitor::StartThread(LPTHREAD_START_ROUTINE routine) {
  HMODULE self = nullptr;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, reinterpret_cast<LPCWSTR>(routine), &self)) {
    return HRESULT_FROM_WIN32(GetLastError());
  }
  AddRef();
  HANDLE thread = CreateThread(nullptr, 0, routine, this, 0, nullptr);
  if (!thread) {
    HRESULT hr = HRESULT_FROM_WIN32(GetLastError());
    Release();
    FreeLibrary(self);
    return hr;
  }
  CloseHandle(thread);
  return S_OK;
}

HRESULT StatusMonitor::Start() {
  if (InterlockedCompareExchange(&started_, 1, 0) != 0) return S_FALSE;
  HRESULT hr = StartThread(&StatusMonitor::PollThread);
  if (FAILED(hr)) InterlockedExchange(&started_, 0);
  return hr;
}

void StatusMonitor::Stop() {
  if (stop_) SetEvent(stop_);
  ClearSink();
}

void StatusMonitor::SetSink(ICredentialProviderEvents *events, UINT_PTR context) {
  AcquireSRWLockExclusive(&lock_);
  sink_.Reset(events);
  context_ = context;
  ReleaseSRWLockExclusive(&lock_);
}

void StatusMonitor::ClearSink() { SetSink(nullptr, 0); }

// Calls CredentialsChanged outside the lock: LogonUI may call straight back into us.
void StatusMonitor::NotifyChanged() {
  AcquireSRWLockShared(&lock_);
  ComPtr<ICredentialProviderEvents> sink = sink_;
  UINT_PTR context = context_;
  ReleaseSRWLockShared(&lock_);
  if (sink && WaitForSingleObject(stop_, 0) != WAIT_OBJECT_0) sink->CredentialsChanged(context);
}

void StatusMonitor::SetState(DaemonState state) {
  LONG previous = InterlockedExchange(&state_, static_cast<LONG>(state));
  if (previous != static_cast<LONG>(state)) NotifyChanged();
}

void StatusMonitor::SetLaunch(LaunchState launch) {
  LONG previous = InterlockedExchange(&launch_, static_cast<LONG>(launch));
  if (previous != static_cast<LONG>(launch)) NotifyChanged();
}

DWORD WINAPI StatusMonitor::PollThread(void *param) {
  StatusMonitor *self = static_cast<StatusMonitor *>(param);
  for (;;) {
    bool available = false;
    HRESULT hr = QueryDaemonStatus(&available);
    if (WaitForSingleObject(self->stop_, 0) == WAIT_OBJECT_0) break;
    DaemonState state = SUCCEEDED(hr) && available ? DaemonState::Available : DaemonState::Unavailable;
    self->SetState(state);
    DWORD interval = state == DaemonState::Available ? kPollAvailableMs : kPollUnavailableMs;
    if (WaitForSingleObject(self->stop_, interval) == WAIT_OBJECT_0) break;
  }
  self->Release();
  FreeLibraryAndExitThread(g_hinst, 0);
}

HRESULT StatusMonitor::BeginLaunch(DWORD sessionId, bool unlockScenario, bool unlockAction, PCWSTR user) {
  if (InterlockedCompareExchange(&launching_, 1, 0) != 0) return S_FALSE;
  AcquireSRWLockExclusive(&lock_);
  pendingSession_ = sessionId;
  pendingUnlockScenario_ = unlockScenario;
  pendingUnlockAction_ = unlockAction;
  CopyTruncated(pendingUser_, ARRAYSIZE(pendingUser_), user);
  ReleaseSRWLockExclusive(&lock_);
  InterlockedExchange(&launch_, static_cast<LONG>(LaunchState::Starting));
  HRESULT hr = StartThread(&StatusMonitor::LaunchThread);
  if (FAILED(hr)) {
    InterlockedExchange(&launch_, static_cast<LONG>(LaunchState::Failed));
    InterlockedExchange(&launching_, 0);
  }
  return hr;
}

DWORD WINAPI StatusMonitor::LaunchThread(void *param) {
  StatusMonitor *self = static_cast<StatusMonitor *>(param);
  AcquireSRWLockShared(&self->lock_);
  DWORD session = self->pendingSession_;
  bool unlockScenario = self->pendingUnlockScenario_;
  bool unlockAction = self->pendingUnlockAction_;
  WCHAR user[257];
  CopyTruncated(user, ARRAYSIZE(user), self->pendingUser_);
  ReleaseSRWLockShared(&self->lock_);

  bool delivered = false;
  HRESULT hr = RequestKioskLaunch(session, unlockScenario, unlockAction, user, &delivered);
  // A request the daemon received but did not answer within 100 ms is still starting the
  // kiosk: keep "Opening..." rather than claim a failure we cannot know about.
  bool started = SUCCEEDED(hr) || (delivered && hr == KH_E_TIMEOUT);
  self->SetLaunch(started ? LaunchState::Starting : LaunchState::Failed);
  if (!started && hr != KH_E_REJECTED) self->SetState(DaemonState::Unavailable);
  // Tell LogonUI even when nothing changed, so the tile re-reads the final status text.
  self->NotifyChanged();
  InterlockedExchange(&self->launching_, 0);
  self->Release();
  FreeLibraryAndExitThread(g_hinst, 0);
}
