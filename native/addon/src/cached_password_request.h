// MSV1_0_CHANGECACHEDPASSWORD_REQUEST for LsaCallAuthenticationPackage (pure Win32, no Node-API,
// so the byte layout is testable under Wine by test/cached-password-request.cpp).
#pragma once
#include <windows.h>
#include <ntsecapi.h>

#include <string>
#include <vector>

// ntsecapi.h calls it MSV1_0_CHANGEPASSWORD_REQUEST; MsV1_0ChangeCachedPassword uses the same shape.
using CachedPasswordRequest = MSV1_0_CHANGEPASSWORD_REQUEST;

// One contiguous buffer: the header, then domain, account and new password (UTF-16, no NUL),
// each UNICODE_STRING's Buffer pointing into the same block (MSV1_0 relocates pointers that lie
// inside the submitted buffer). OldPassword stays empty: a SYSTEM caller updates the cache
// without it. Impersonating is FALSE. Returns false when a string exceeds UNICODE_STRING's
// 32,767-character limit. The caller wipes the buffer (it holds the password).
bool BuildChangeCachedPasswordRequest(const std::wstring &domain, const std::wstring &account, const std::wstring &newPassword,
                                      std::vector<BYTE> *out);
