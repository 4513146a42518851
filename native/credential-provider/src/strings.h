// Picks the tile's texts: Group Policy override, else the locale table generated from
// locales/*.json for the policy's Language or the machine's UI language, else English.
#pragma once
#include <windows.h>

#include "strings_gen.h"

// languageOverride: "de", "de-DE" or empty. Never returns NULL.
const KhLocaleStrings *SelectLocaleStrings(PCWSTR languageOverride);
