#!/usr/bin/env bash
# Maintainer check: does the README's set-up work on a clean Debian 12? Builds a minimal bookworm root
# with debootstrap, copies this checkout into it (tracked + untracked files, no node_modules, no build
# output — what a clone has), puts the host's node + npm in it (the README assumes Node is there), then
# runs each set-up step in a chroot and prints PASS/FAIL per step:
#   deps-<group>  scripts/install-system-deps.sh for every group
#   npm           scripts/ensure-node-modules.sh (npm ci from the registry, native npm modules compiled)
#   domain        a throwaway Samba AD domain through the test fixture (provision, start, LDAPS, kinit)
#   postgres      initdb + pg_ctl start + psql "select 1" as the postgres user, then stop
#   native        scripts/native/build.sh (credential provider + addon, mingw-w64)
#   chromium      headless Chromium renders a page; wine: a fresh prefix boots and runs cmd.exe;
#   wixl          wixl builds a one-file MSI that msiinfo can read
#   tests         a few real test files (AD, browser, Wine) with mocha (--no-tests to skip)
# Network-using steps run in a private network namespace, so nothing clashes with the host's servers.
#
# Usage (root): bash scripts/check-fresh-debian.sh [--keep] [--resume] [--no-tests] [--rebuild-base]
#   --keep          leave the root (and its logs) in place for a look
#   --resume        rerun the steps in the root a --keep run left (fresh copy of the checkout; the
#                   deps steps then only re-check their probes) — for iterating, not as the proof
#   --only a,b      with --resume: run only these steps (e.g. --only domain,wine)
#   --rebuild-base  debootstrap again instead of reusing the pristine cached base
# Environment: KEYHATCH_FRESH_DIR (default /var/tmp/keyhatch-fresh), DEBIAN_MIRROR (default: the
# host's deb.debian.org mirror). Logs per step: $KEYHATCH_FRESH_DIR/logs/<step>.log. Exit 1 if a step failed.
set -uo pipefail

# KEYHATCH_REPO: the checkout, when running a copy of this script (bash reads a running script lazily).
REPO=${KEYHATCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
DIR=${KEYHATCH_FRESH_DIR:-/var/tmp/keyhatch-fresh}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE=$DIR/base ROOT=$DIR/root LOGS=$DIR/logs
KEEP=0 TESTS=1 REBUILD=0 RESUME=0 ONLY=
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case $arg in
    --only) ONLY=",${1:?--only needs step names},"; shift ;;
    --keep) KEEP=1 ;; --no-tests) TESTS=0 ;; --rebuild-base) REBUILD=1 ;; --resume) RESUME=1 KEEP=1 ;;
    *) echo "usage: $0 [--keep] [--resume] [--no-tests] [--rebuild-base]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "run as root (debootstrap, chroot, mounts)" >&2; exit 2; }
# The host's own tools for the check (installed like every other dependency: by the project's scripts).
if ! command -v debootstrap >/dev/null || ! command -v unshare >/dev/null; then
  echo "installing debootstrap util-linux on the host" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap util-linux; } >&2 \
    || { echo "could not install debootstrap util-linux (apt-get install debootstrap util-linux)" >&2; exit 2; }
fi

cleanup() {
  # Processes still running inside the root (a DC, postgres, wineserver) would keep mounts busy.
  local p
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$ROOT" ]] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for m in dev/pts dev proc sys; do mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"; done
  [[ $KEEP -eq 1 ]] || rm -rf "$ROOT"
}
trap cleanup EXIT

failed=()
# step NAME [--net] COMMAND: runs COMMAND (bash, inside the chroot, in the checkout) and logs it.
step() {
  local name=$1; shift
  [[ -z $ONLY || $ONLY == *",$name,"* ]] || return 0
  local netns=()
  if [[ $1 == --net ]]; then netns=(unshare --net --); shift; fi
  local started=$SECONDS
  "${netns[@]}" chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 "${extra_env[@]}" \
    /bin/bash -c "set -euo pipefail; cd /src/keyhatch; $1" >"$LOGS/$name.log" 2>&1
  local rc=$? took=$((SECONDS - started))
  if [[ $rc -eq 0 ]]; then
    echo "PASS $name (${took}s)"
  else
    echo "FAIL $name (${took}s, exit $rc) — last lines of $LOGS/$name.log:"
    tail -n 15 "$LOGS/$name.log" | sed 's/^/    /'
    failed+=("$name")
  fi
}

mkdir -p "$DIR" "$LOGS"
rm -f "$LOGS"/*.log
if [[ $RESUME -eq 1 ]]; then
  [[ -x $ROOT/bin/bash ]] || { echo "--resume: no root at $ROOT (run with --keep first)" >&2; exit 2; }
  KEEP=1 cleanup  # stray processes and mounts of the earlier run
  rm -rf "$ROOT/src/keyhatch"
  echo "RESUME in $ROOT (packages from the earlier run stay; not a clean-machine proof)"
else
  cleanup
fi
if [[ $RESUME -eq 1 ]]; then :
elif [[ $REBUILD -eq 1 || ! -x $BASE/bin/bash ]]; then
  rm -rf "$BASE" "$BASE.partial"
  echo "debootstrap bookworm (minbase) from $MIRROR …"
  debootstrap --variant=minbase bookworm "$BASE.partial" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1 \
    || { echo "FAIL debootstrap — see $LOGS/debootstrap.log"; exit 1; }
  mv "$BASE.partial" "$BASE"
fi
[[ $RESUME -eq 1 ]] || { echo "PASS base (bookworm minbase in $BASE; this run uses a fresh copy in $ROOT)"; cp -a "$BASE" "$ROOT"; }

# The same suites a Debian 12 install has; services must not start inside a chroot (policy-rc.d).
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d" && chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A network that intercepts TLS (like this build farm's egress) needs its CA in the root too; that is
# this machine's network, not part of the README's set-up.
extra_env=()
if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]]; then
  cp "$NODE_EXTRA_CA_CERTS" "$ROOT/etc/keyhatch-host-extra-ca.pem"
  extra_env=(NODE_EXTRA_CA_CERTS=/etc/keyhatch-host-extra-ca.pem)
fi
mount -t proc proc "$ROOT/proc" && mount -t sysfs sys "$ROOT/sys" && mount --bind /dev "$ROOT/dev" && mount --bind /dev/pts "$ROOT/dev/pts"

# Node as the README assumes it: the host's binary, its headers (node-gyp) and npm.
node_bin=$(readlink -f "$(command -v node)")
node_prefix=$(dirname "$(dirname "$node_bin")")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$ROOT/usr/local/bin" "$ROOT/usr/local/include" "$ROOT/usr/local/lib/node_modules"
cp "$node_bin" "$ROOT/usr/local/bin/node"
[[ -d $node_prefix/include/node ]] && cp -a "$node_prefix/include/node" "$ROOT/usr/local/include/"
rm -rf "$ROOT/usr/local/lib/node_modules/npm" && cp -a "$npm_dir" "$ROOT/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
echo "PASS node ($("$node_bin" --version), npm $(node "$npm_dir/bin/npm-cli.js" --version) copied from the host)"

# What a clone has: tracked and untracked-but-not-ignored files of this checkout.
mkdir -p "$ROOT/src/keyhatch"
git -C "$REPO" ls-files -z --cached --others --exclude-standard \
  | (cd "$REPO" && tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$ROOT/src/keyhatch"

for group in build ad browser windows postgres; do
  step "deps-$group" "bash scripts/install-system-deps.sh $group"
done
# samba-tool directly, the way the fixture does it (so this step does not depend on npm): provision,
# start, LDAPS answers with the DC's certificate, Kerberos accepts the admin password.
step domain --net "ip link set lo up
  d=\$(mktemp -d) realm=KEYHATCH.TEST pass='Adm1n!Passw0rd-Throwaway'
  trap 'kill \$(cat \$d/dc/pid/samba.pid 2>/dev/null) 2>/dev/null || true' EXIT
  mkdir -p \$d/tls && cd \$d/tls
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=check-ca -keyout ca.key -out ca.pem 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=dc1.keyhatch.test -keyout key.pem -out dc.csr 2>/dev/null
  printf 'subjectAltName=DNS:dc1.keyhatch.test,IP:127.0.0.1\\n' > ext.cnf
  openssl x509 -req -in dc.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext.cnf -out cert.pem 2>/dev/null; chmod 600 key.pem
  samba-tool domain provision --realm=\$realm --domain=KEYHATCH --server-role=dc --dns-backend=NONE --adminpass=\"\$pass\" \\
    --targetdir=\$d/dc --host-name=dc1 --option='interfaces=127.0.0.1' --option='bind interfaces only=yes' \\
    --option=\"pid directory=\$d/dc/pid\" --option='server services=ldap,cldap,kdc' --option='tls enabled=yes' \\
    --option=\"tls keyfile=\$d/tls/key.pem\" --option=\"tls certfile=\$d/tls/cert.pem\" --option=\"tls cafile=\$d/tls/ca.pem\" | tail -n 3
  samba -D -M single -s \$d/dc/etc/smb.conf
  for i in \$(seq 300); do echo | openssl s_client -connect 127.0.0.1:636 -CAfile \$d/tls/ca.pem -verify_return_error >/dev/null 2>&1 && break; sleep 1; done
  echo | openssl s_client -connect 127.0.0.1:636 -CAfile \$d/tls/ca.pem -verify_return_error 2>&1 | grep -m1 'Verify return code'
  printf '[libdefaults]\\n default_realm = %s\\n dns_lookup_kdc = false\\n[realms]\\n %s = {\\n  kdc = 127.0.0.1\\n }\\n' \$realm \$realm > \$d/krb5.conf
  echo \"\$pass\" | KRB5_CONFIG=\$d/krb5.conf KRB5CCNAME=FILE:\$d/cc kinit Administrator@\$realm >/dev/null
  KRB5_CONFIG=\$d/krb5.conf KRB5CCNAME=FILE:\$d/cc klist | grep -m1 krbtgt"
step postgres --net "ip link set lo up
  bin=\$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); data=\$(mktemp -d); chown postgres \"\$data\"
  runuser -u postgres -- \"\$bin/initdb\" -D \"\$data/db\" -A trust
  runuser -u postgres -- \"\$bin/pg_ctl\" -D \"\$data/db\" -w -l \"\$data/log\" -o \"-c listen_addresses=127.0.0.1 -k \$data\" start
  trap 'runuser -u postgres -- \"\$bin/pg_ctl\" -D \"\$data/db\" -m fast stop' EXIT
  [ \"\$(runuser -u postgres -- \"\$bin/psql\" -h 127.0.0.1 -d postgres -Atc 'select 1')\" = 1 ]"
step chromium "chromium --headless --no-sandbox --disable-gpu --dump-dom 'data:text/html,<p>keyhatch-ok</p>' 2>/dev/null | grep -q keyhatch-ok"
step wine "export WINEPREFIX=\$(mktemp -d) WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES=mscoree,mshtml=
  wineboot -i && wineserver -w && wine cmd /c echo keyhatch-ok | tr -d '\r' | grep -qx keyhatch-ok; wineserver -k || true"
step wixl "cd \$(mktemp -d); echo keyhatch > readme.txt
  printf '%s\\n' '<?xml version=\"1.0\"?><Wix xmlns=\"http://schemas.microsoft.com/wix/2006/wi\">' \\
    '<Product Id=\"*\" Name=\"KeyhatchCheck\" Language=\"1033\" Version=\"0.1.0\" Manufacturer=\"Keyhatch\" UpgradeCode=\"6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c\">' \\
    '<Package InstallerVersion=\"500\" Compressed=\"yes\" InstallScope=\"perMachine\"/><Media Id=\"1\" Cabinet=\"c.cab\" EmbedCab=\"yes\"/>' \\
    '<Directory Id=\"TARGETDIR\" Name=\"SourceDir\"><Directory Id=\"ProgramFiles64Folder\"><Directory Id=\"D\" Name=\"KeyhatchCheck\">' \\
    '<Component Id=\"C\" Guid=\"1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809\" Win64=\"yes\"><File Id=\"F\" Source=\"readme.txt\" KeyPath=\"yes\"/></Component>' \\
    '</Directory></Directory></Directory><Feature Id=\"Main\" Level=\"1\"><ComponentRef Id=\"C\"/></Feature></Product></Wix>' > check.wxs
  wixl -a x64 -o check.msi check.wxs && msiinfo export check.msi File | grep -q readme.txt"
step npm "bash scripts/ensure-node-modules.sh"
step native "bash scripts/native/build.sh && ls -l native/credential-provider/build/*.dll native/addon/build/*.node"
if [[ $TESTS -eq 1 ]]; then
  step tests --net "ip link set lo up; npx --no-install mocha test/directory/username.test.ts test/e2e/kiosk-access.test.ts test/native/credential-provider-protocol.test.ts"
fi

if [[ ${#failed[@]} -eq 0 ]]; then echo "ALL PASS"; exit 0; fi
echo "FAILED: ${failed[*]} (logs in $LOGS)"; exit 1
