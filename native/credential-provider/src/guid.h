// Keyhatch's own credential provider CLSID (registered under
// HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers).
#pragma once
#include <windows.h>

// {3473571D-253A-498A-ADA7-18B1924569EA}
static const CLSID CLSID_KeyhatchProvider = {0x3473571d, 0x253a, 0x498a, {0xad, 0xa7, 0x18, 0xb1, 0x92, 0x45, 0x69, 0xea}};
#define KEYHATCH_CLSID_STRING L"{3473571D-253A-498A-ADA7-18B1924569EA}"
