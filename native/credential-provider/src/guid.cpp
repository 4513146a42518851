// With the Windows SDK, credentialprovider.h only declares the CPFG_* field-type GUIDs;
// including it after initguid.h in exactly one file defines them (selectany, so a definition
// from uuid.lib does not clash). mingw builds use the static definitions in credprov.h.
#ifdef _MSC_VER
#include <initguid.h>
#include <credentialprovider.h>
#endif
