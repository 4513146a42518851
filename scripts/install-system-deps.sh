#!/usr/bin/env bash
# Installs the Debian 12 packages a group of tests or the demo needs, only when something is missing.
#   build     compilers npm needs for better-sqlite3 (built from source here)
#   ad        Samba AD DC with its provisioning data, Kerberos client, LDAP tools (throwaway domain);
#             curl (GSS-API) and the GSSAPI library Chromium loads, for the console's single sign-on tests
#   browser   Chromium for the headless kiosk/portal tests
#   windows   mingw-w64 cross compilers + make, Wine, msitools/wixl (native parts and installer)
#   postgres  PostgreSQL server binaries (throwaway clusters: initdb + pg_ctl, never the system service)
# Usage: scripts/install-system-deps.sh GROUP [GROUP...]   (root; runs apt-get update once when needed)
#
# Packages are installed with --no-install-recommends, so every Recommends a part really uses is listed
# by name (Debian 12 ships samba-tool's provisioning data, samba-ad-provision, only as a Recommends).
# A group counts as present only when all its packages are installed AND every probe passes; the probes
# are the commands and files the tests really use, so a machine where a package was half removed or a
# file deleted is repaired (packages reinstalled), not trusted.
set -euo pipefail

declare -A PACKAGES=(
  [build]="make g++ python3"
  [ad]="samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user libgssapi-krb5-2 curl ldap-utils openssl iproute2"
  [browser]="chromium fonts-dejavu-core"
  [windows]="g++-mingw-w64-x86-64 mingw-w64-tools make wine wine64 libgnutls30 msitools wixl"
  [postgres]="postgresql"
)
# A probe is a command name, or an absolute path (globs allowed) that must exist.
declare -A PROBES=(
  [build]="make g++ python3"
  [ad]="samba samba-tool kinit klist curl ldapsearch openssl ip /usr/lib/*/libgssapi_krb5.so.2
        /usr/share/samba/setup/provision.ldif /usr/share/samba/setup/provision_basedn.ldif
        /usr/share/samba/setup/ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf /usr/share/samba/setup/display-specifiers
        /usr/lib/*/samba/ldb/samba_dsdb.so"
  [browser]="chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
  [windows]="make x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-windres x86_64-w64-mingw32-dlltool x86_64-w64-mingw32-widl x86_64-w64-mingw32-windmc
             wine wineboot wineserver /usr/lib/*/wine/x86_64-windows/kernel32.dll wixl wixl-heat msiinfo msibuild /usr/share/wixl-*/include"
  [postgres]="/usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl /usr/lib/postgresql/*/bin/postgres
              /usr/lib/postgresql/*/bin/psql"
)

probe_ok() {
  if [[ $1 == /* ]]; then compgen -G "$1" >/dev/null; else command -v "$1" >/dev/null 2>&1; fi
}
failed_probes() {
  local p out=()
  for p in ${PROBES[$1]}; do probe_ok "$p" || out+=("$p"); done
  echo "${out[*]}"
}
not_installed() {
  local p out=()
  for p in ${PACKAGES[$1]}; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || out+=("$p")
  done
  echo "${out[*]}"
}

install=() reinstall=() groups=()
for group in "$@"; do
  [[ -n "${PACKAGES[$group]:-}" ]] || { echo "unknown group '$group' (${!PACKAGES[*]})" >&2; exit 2; }
  groups+=("$group")
  missing=$(not_installed "$group")
  broken=$(failed_probes "$group")
  if [[ -n $missing ]]; then
    install+=($missing)
  elif [[ -n $broken ]]; then
    echo "group $group: packages installed but missing: $broken — reinstalling them" >&2
    reinstall+=(${PACKAGES[$group]})
  fi
done
[[ ${#install[@]} -eq 0 && ${#reinstall[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "missing system packages: ${install[*]} ${reinstall[*]} — run this script as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }
apt update -qq
if [[ ${#install[@]} -gt 0 ]]; then
  echo "installing: ${install[*]}" >&2
  apt install -y -qq --no-install-recommends "${install[@]}" >/dev/null
fi
if [[ ${#reinstall[@]} -gt 0 ]]; then
  echo "reinstalling: ${reinstall[*]}" >&2
  apt install -y -qq --no-install-recommends --reinstall "${reinstall[@]}" >/dev/null
fi

# What apt did must be what the tests use: name anything still missing instead of failing later.
status=0
for group in "${groups[@]}"; do
  broken=$(failed_probes "$group")
  if [[ -n $broken ]]; then echo "group $group: still missing after install: $broken" >&2; status=1; fi
done
exit $status
