// Group Policy for the tile: HKLM\SOFTWARE\Policies\Keyhatch\CredentialProvider.
// Read once per SetUsageScenario: policy changes apply the next time LogonUI builds the tile.
#pragma once
#include <windows.h>

#define KH_POLICY_KEY L"SOFTWARE\\Policies\\Keyhatch\\CredentialProvider"
#define KH_POLICY_TEXT_CHARS 257

struct KeyhatchPolicy {
  bool showForgotPassword = true;           // DWORD ShowForgotPassword (0 hides)
  bool showUnlockAccount = true;            // DWORD ShowUnlockAccount (0 hides)
  WCHAR forgotPasswordText[KH_POLICY_TEXT_CHARS] = L"";  // SZ ForgotPasswordText (empty: localised default)
  WCHAR unlockAccountText[KH_POLICY_TEXT_CHARS] = L"";   // SZ UnlockAccountText
  WCHAR language[16] = L"";                 // SZ Language, e.g. "de" or "de-DE" (empty: UI language)
};

// Fills *policy from the registry; missing or malformed values keep their defaults.
void ReadKeyhatchPolicy(KeyhatchPolicy *policy);
