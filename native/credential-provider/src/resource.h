// Resource ids shared by KeyhatchCredentialProvider.rc and the code.
#pragma once
#define IDB_TILE_IMAGE 101
