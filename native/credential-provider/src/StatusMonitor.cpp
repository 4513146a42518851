#include "StatusMonitor.h"

#include <new>
#include <string.h>

#include "daemon_client.h"
#include "dll.h"
#include "errors.h"
#include "helpers.h"

// Poll quickly while the daemon is missing (it usually starts after LogonUI at boot), slowly
// once it answers.
static const DWORD kPollUnavailableMs = 3000;
static const DWORD kPollAvailableMs = 30000;
// While a kiosk we opened may be running, ask every 2 s so "Sign in with your new password"
// appears soon after the reset.
static const DWORD kPollAfterLaunchMs = 2000;

// Set while this thread is inside CredentialsChanged, so a re-entrant UnAdvise does not wait on itself.
static thread_local bool t_inNotification = false;

StatusMonitor::StatusMonitor() { DllAddRef(); }

StatusMonitor::~StatusMonitor() {
  if (stop_) CloseHandle(stop_);
  if (poke_) CloseHandle(poke_);
  DllRelease();
}

HRESULT StatusMonitor::Create(StatusMonitor **out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  StatusMonitor *monitor = new (std::nothrow) StatusMonitor();
  if (!monitor) return E_OUTOFMEMORY;
  monitor->stop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  monitor->poke_ = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (!monitor->stop_ || !monitor->poke_) {
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

void StatusMonitor::ClearSink() {
  SetSink(nullptr, 0);
  // A notifier that copied the old sink just before may still be calling it: wait it out.
  if (!t_inNotification) {
    AcquireSRWLockExclusive(&notifying_);
    ReleaseSRWLockExclusive(&notifying_);
  }
}

bool StatusMonitor::WasReset(PCWSTR sid) const {
  if (!sid || !sid[0]) return false;
  char ascii[192];
  size_t n = 0;
  for (; sid[n]; ++n) {
    if (n + 1 >= sizeof(ascii) || sid[n] > 0x7e || sid[n] < 0x20 || sid[n] == L',') return false;
    ascii[n] = static_cast<char>(sid[n]);
  }
  ascii[n] = '\0';
  bool found = false;
  SRWLOCK *lock = const_cast<SRWLOCK *>(&lock_);
  AcquireSRWLockShared(lock);
  for (const char *p = resetSids_; *p && !found;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? static_cast<size_t>(comma - p) : strlen(p);
    found = len == n && _strnicmp(p, ascii, n) == 0;
    p = comma ? comma + 1 : p + len;
  }
  ReleaseSRWLockShared(lock);
  return found;
}

// Calls CredentialsChanged outside lock_ (LogonUI may call straight back into us) but inside
// notifying_, which ClearSink waits on, so nothing reaches LogonUI after UnAdvise.
void StatusMonitor::NotifyChanged() {
  AcquireSRWLockShared(&notifying_);
  AcquireSRWLockShared(&lock_);
  ComPtr<ICredentialProviderEvents> sink = sink_;
  UINT_PTR context = context_;
  ReleaseSRWLockShared(&lock_);
  if (sink && WaitForSingleObject(stop_, 0) != WAIT_OBJECT_0) {
    t_inNotification = true;
    sink->CredentialsChanged(context);
    t_inNotification = false;
  }
  ReleaseSRWLockShared(&notifying_);
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
    char resetSids[sizeof(self->resetSids_)];
    HRESULT hr = QueryDaemonStatus(&available, resetSids, sizeof(resetSids));
    if (WaitForSingleObject(self->stop_, 0) == WAIT_OBJECT_0) break;
    if (FAILED(hr)) resetSids[0] = '\0';
    AcquireSRWLockExclusive(&self->lock_);
    bool resetChanged = strcmp(self->resetSids_, resetSids) != 0;
    if (resetChanged) lstrcpynA(self->resetSids_, resetSids, sizeof(self->resetSids_));
    ReleaseSRWLockExclusive(&self->lock_);
    DaemonState state = SUCCEEDED(hr) && available ? DaemonState::Available : DaemonState::Unavailable;
    LONG previous = InterlockedExchange(&self->state_, static_cast<LONG>(state));
    if (previous != static_cast<LONG>(state) || resetChanged) self->NotifyChanged();
    DWORD interval = state != DaemonState::Available ? kPollUnavailableMs
                     : self->Launch() == LaunchState::Starting ? kPollAfterLaunchMs
                                                               : kPollAvailableMs;
    HANDLE waits[2] = {self->stop_, self->poke_};
    if (WaitForMultipleObjects(2, waits, FALSE, interval) == WAIT_OBJECT_0) break;
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
  if (started) SetEvent(self->poke_);
  self->Release();
  FreeLibraryAndExitThread(g_hinst, 0);
}
