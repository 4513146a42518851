// Module-wide state: the DLL's reference count (objects + locks + worker threads) and handle.
#pragma once
#include <windows.h>

extern HINSTANCE g_hinst;
void DllAddRef();
void DllRelease();

HRESULT Provider_CreateInstance(REFIID riid, void **ppv);
