// The tile's fields: one enum, one descriptor table, one state table per supported scenario.
// The tile is Keyhatch's own, clearly labelled "Password help" tile (see docs/native.md for why
// we do not wrap the built-in password provider).
#pragma once
#include "credprov.h"

enum KEYHATCH_FIELD_ID {
  KFI_LABEL = 0,     // provider label shown in "Sign-in options" (tooltip)
  KFI_TITLE = 1,     // large text on the tile
  KFI_STATUS = 2,    // "not available" / "opening..." / daemon errors
  KFI_FORGOT = 3,    // command link "Forgot password?"
  KFI_UNLOCK = 4,    // command link "Unlock account"
  KFI_TILEIMAGE = 5, // provider logo in "Sign-in options" and on the tile
  KFI_PASSWORD = 6,  // "Sign in with your new password": shown only after the daemon reported a reset of this user
  KFI_SUBMIT = 7,    // the arrow next to the password
  KFI_NUM_FIELDS = 8,
};

struct FIELD_STATE_PAIR {
  CREDENTIAL_PROVIDER_FIELD_STATE cpfs;
  CREDENTIAL_PROVIDER_FIELD_INTERACTIVE_STATE cpfis;
};

// Labels are descriptor names only; the displayed text comes from GetStringValue.
static const CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR s_rgFieldDescriptors[KFI_NUM_FIELDS] = {
    {KFI_LABEL, CPFT_SMALL_TEXT, const_cast<LPWSTR>(L"Keyhatch password help"), CPFG_CREDENTIAL_PROVIDER_LABEL},
    {KFI_TITLE, CPFT_LARGE_TEXT, const_cast<LPWSTR>(L"Title"), GUID_NULL},
    {KFI_STATUS, CPFT_SMALL_TEXT, const_cast<LPWSTR>(L"Status"), GUID_NULL},
    {KFI_FORGOT, CPFT_COMMAND_LINK, const_cast<LPWSTR>(L"Forgot password"), GUID_NULL},
    {KFI_UNLOCK, CPFT_COMMAND_LINK, const_cast<LPWSTR>(L"Unlock account"), GUID_NULL},
    {KFI_TILEIMAGE, CPFT_TILE_IMAGE, const_cast<LPWSTR>(L"Image"), CPFG_CREDENTIAL_PROVIDER_LOGO},
    {KFI_PASSWORD, CPFT_PASSWORD_TEXT, const_cast<LPWSTR>(L"New password"), GUID_NULL},
    {KFI_SUBMIT, CPFT_SUBMIT_BUTTON, const_cast<LPWSTR>(L"Submit"), GUID_NULL},
};

// Logon screen: the links sit on the selected tile; the title also labels the deselected tile.
static const FIELD_STATE_PAIR s_rgLogonFieldStates[KFI_NUM_FIELDS] = {
    {CPFS_HIDDEN, CPFIS_NONE},
    {CPFS_DISPLAY_IN_BOTH, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_BOTH, CPFIS_NONE},
    {CPFS_HIDDEN, CPFIS_FOCUSED},  // shown after a reset (Credential::GetFieldState)
    {CPFS_HIDDEN, CPFIS_NONE},
};

// Unlock screen: same layout; kept separate so the scenarios can diverge without surprises.
static const FIELD_STATE_PAIR s_rgUnlockFieldStates[KFI_NUM_FIELDS] = {
    {CPFS_HIDDEN, CPFIS_NONE},
    {CPFS_DISPLAY_IN_BOTH, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_SELECTED_TILE, CPFIS_NONE},
    {CPFS_DISPLAY_IN_BOTH, CPFIS_NONE},
    {CPFS_HIDDEN, CPFIS_FOCUSED},
    {CPFS_HIDDEN, CPFIS_NONE},
};
