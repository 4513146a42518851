#!/usr/bin/env bash
# Runs a command on Node 24: .cache/node24/bin first on PATH (child `node` processes too) and the
# preload that swaps in the Node 24 builds of ABI-specific addons. Example:
#   bash scripts/with-node24.sh npx mocha test/errors test/config
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(bash "$repo/scripts/node24.sh")
export PATH="$bin:$PATH"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require=$repo/scripts/node24-addons.cjs"
exec "$@"
