// The addon imports N-API from "node.exe" through a delay-load import library. When the host
// executable has another name (a renamed node.exe, Electron), the loader would look for a file
// called node.exe; this hook answers with the host process's own module instead, as node-gyp's
// win_delay_load_hook.cc does for MSVC builds.
#include <windows.h>
#include <delayimp.h>

static FARPROC WINAPI LoadHook(unsigned int event, PDelayLoadInfo info) {
  if (event == dliNotePreLoadLibrary && info && lstrcmpiA(info->szDll, "node.exe") == 0) {
    return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
  }
  return nullptr;
}

extern "C" {
PfnDliHook __pfnDliNotifyHook2 = LoadHook;
}
