#!/usr/bin/env bash
# `npm run bench`: installs what is missing, then runs bench/run.ts (names select benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh ad browser windows
bash scripts/ensure-node-modules.sh
npx tsx bench/run.ts "$@"
