#!/usr/bin/env bash
# Cross-builds the native Windows parts with mingw-w64 (incremental: make in each build/ dir).
#   native/credential-provider/build/KeyhatchCredentialProvider.dll (+ cp-harness.exe for tests)
#   native/addon/build/keyhatch_native.node
# Usage: bash scripts/native/build.sh [credential-provider|addon ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
for tool in x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-windres x86_64-w64-mingw32-dlltool node make; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing build tools: ${missing[*]} — run \`bash scripts/install-system-deps.sh windows\` (as root)" >&2
  exit 1
fi

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(credential-provider addon)
for target in "${targets[@]}"; do
  case "$target" in
    credential-provider|addon) make -s -C "native/$target" -j2 ;;
    *) echo "unknown target '$target' (credential-provider, addon)" >&2; exit 2 ;;
  esac
done
