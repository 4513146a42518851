#include "strings.h"

static const KhLocaleStrings *FindLanguage(PCWSTR tag) {
  if (!tag || !tag[0]) return nullptr;
  // Compare the primary subtag only: "de-AT" uses the German table.
  WCHAR primary[9] = {};
  for (int i = 0; i < 8 && tag[i] && tag[i] != L'-' && tag[i] != L'_'; ++i) primary[i] = tag[i];
  for (const KhLocaleStrings &row : kKhLocales) {
    if (CompareStringOrdinal(row.lang, -1, primary, -1, TRUE) == CSTR_EQUAL) return &row;
  }
  return nullptr;
}

const KhLocaleStrings *SelectLocaleStrings(PCWSTR languageOverride) {
  const KhLocaleStrings *chosen = FindLanguage(languageOverride);
  if (!chosen) {
    // LogonUI runs as SYSTEM: its UI language is the machine's display language.
    WCHAR name[LOCALE_NAME_MAX_LENGTH] = {};
    LCID lcid = MAKELCID(GetUserDefaultUILanguage(), SORT_DEFAULT);
    if (LCIDToLocaleName(lcid, name, LOCALE_NAME_MAX_LENGTH, 0) > 0) chosen = FindLanguage(name);
  }
  return chosen ? chosen : &kKhLocales[0];
}
