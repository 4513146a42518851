#!/usr/bin/env bash
# `npm run demo`: a throwaway AD domain (Samba), demo users, the daemon with an SMTP catcher,
# and the kiosk + portal to walk in a browser. Installs what is missing first. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh ad
bash scripts/ensure-node-modules.sh
exec npx tsx scripts/demo.ts "$@"
