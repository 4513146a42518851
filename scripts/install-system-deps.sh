#!/usr/bin/env bash
# Installs the Debian packages a group of tests or the demo needs, only when something is missing.
#   ad       Samba AD DC + Kerberos client + LDAP tools (throwaway domain)
#   browser  Chromium for the headless kiosk/portal tests
#   windows  mingw-w64 cross compilers, Wine and msitools (native parts and installer)
# Usage: scripts/install-system-deps.sh GROUP [GROUP...]   (root; runs apt-get update once when needed)
set -euo pipefail

declare -A PACKAGES=(
  [ad]="samba samba-ad-dc krb5-user ldap-utils winbind openssl iproute2"
  [browser]="chromium fonts-dejavu-core"
  [windows]="g++-mingw-w64-x86-64 mingw-w64-tools wine wine64 msitools wixl"
)
declare -A PROBES=(
  [ad]="samba samba-tool kinit ldapsearch openssl ip"
  [browser]="chromium"
  [windows]="x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-dlltool x86_64-w64-mingw32-widl wine wineboot wixl msiinfo"
)

need=()
for group in "$@"; do
  [[ -n "${PACKAGES[$group]:-}" ]] || { echo "unknown group '$group' (ad, browser, windows)" >&2; exit 2; }
  for probe in ${PROBES[$group]}; do
    if ! command -v "$probe" >/dev/null 2>&1; then need+=(${PACKAGES[$group]}); break; fi
  done
done
[[ ${#need[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages: ${need[*]} — run this script as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing: ${need[*]}" >&2
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
