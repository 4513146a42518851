#!/usr/bin/env bash
# Installs npm dependencies when they are missing or older than package-lock.json.
# better-sqlite3 compiles from source here (its prebuilt download is not reachable), so the compilers
# come first (group "build"), and node-gyp is pointed at the running node's own headers when they are
# on disk (Debian/NodeSource packages ship them) instead of downloading them. The Electron binary
# download is denied in package.json "allowScripts" (types only).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  bash scripts/install-system-deps.sh build
  node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [[ -z ${npm_config_nodedir:-} && -f $node_prefix/include/node/node_version.h ]]; then
    export npm_config_nodedir=$node_prefix
  fi
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-fund --no-audit
fi
