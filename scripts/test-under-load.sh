#!/usr/bin/env bash
# Runs a mocha selection with CPU hogs beside it, to show those tests do not depend on the machine's
# speed (a CI box is often busy). Hogs: KEYHATCH_HOGS (default 2 = one per core here) `yes > /dev/null`.
#   bash scripts/test-under-load.sh test/platform/launch-pipe-server.test.ts [more files or mocha options]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || { echo "usage: $0 <test files or dirs> [mocha options] (never the whole suite by accident)" >&2; exit 2; }
hogs=()
stop_hogs() { [[ ${#hogs[@]} -eq 0 ]] || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
for ((i = 0; i < ${KEYHATCH_HOGS:-2}; i++)); do yes >/dev/null & hogs+=($!); done
echo "running beside ${#hogs[@]} CPU hogs (pids ${hogs[*]}); load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
export KEYHATCH_TEST_RUN_DIR="${KEYHATCH_TEST_RUN_DIR:-$PWD/test-artifacts/under-load-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$KEYHATCH_TEST_RUN_DIR"
npx mocha "$@"
