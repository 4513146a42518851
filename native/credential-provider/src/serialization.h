// KERB_INTERACTIVE_UNLOCK_LOGON for GetSerialization, packed as Microsoft's
// SampleV2CredentialProvider does (KerbInteractiveUnlockLogonInit/Pack): one CoTaskMem block,
// the structure first, then domain, user and password, each UNICODE_STRING's Buffer holding the
// offset from the block's start (LogonUI/LSA relocate it). Logon: KerbInteractiveLogon;
// unlock: KerbWorkstationUnlockLogon.
#pragma once
#include <windows.h>

#include "credprov.h"

// Splits "DOMAIN\name" (or "name@domain", kept whole as the user with an empty domain, as LSA
// accepts UPNs that way). Fails on an empty name or buffers too small.
HRESULT SplitQualifiedName(PCWSTR qualified, PWSTR domain, size_t domainChars, PWSTR user, size_t userChars);

// Packs the logon structure into CoTaskMem (*out, *outBytes). The password is copied as given;
// the caller decides whether to CredProtect it first. The caller wipes and frees *out on error paths.
HRESULT PackInteractiveUnlockLogon(CREDENTIAL_PROVIDER_USAGE_SCENARIO cpus, PCWSTR domain, PCWSTR user, PCWSTR password, BYTE **out,
                                   DWORD *outBytes);

// The Negotiate package id for ulAuthenticationPackage (LsaConnectUntrusted + lookup).
HRESULT LookupNegotiatePackage(ULONG *package);

// CredProtectW's copy of a password for the logon/unlock scenarios, as the sample does; *out is
// CoTaskMem. An already protected or empty password is copied as it is.
HRESULT ProtectPasswordCopy(PCWSTR password, PWSTR *out);
