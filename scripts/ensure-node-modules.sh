#!/usr/bin/env bash
# Installs npm dependencies when they are missing or older than package-lock.json.
# better-sqlite3 compiles from source here (its prebuilt download is not reachable); the Electron
# binary download is denied in package.json "allowScripts" (types only).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-fund --no-audit
fi
