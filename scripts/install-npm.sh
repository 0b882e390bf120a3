#!/usr/bin/env bash
# install-npm.sh: installs the Node packages of the interoperability tests exactly as their
# package-lock.json files pin them (npm ci: integrity-checked, no resolution), in each project:
#   tests/interop       @mysten/sui 1.x (interop/sui), the Move grammar (move/syntax)
#   tests/interop/seal  @mysten/seal with its peer @mysten/sui 2.x (interop/seal, bench_seal)
# Two projects because @mysten/seal needs @mysten/sui 2.x while the Sui tests pin 1.x.
# Idempotent: runs npm in a project only when its node_modules is missing or was installed from
# another package.json or lock file. Fails loudly when node or npm is missing or too old.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "install-npm: node not found on PATH (need Node.js >= 20)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-npm: npm not found on PATH" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install-npm: Node.js $(node --version) is too old (need >= 20)" >&2; exit 1
fi

# install DIR PACKAGE: npm ci in DIR unless its stamp matches and PACKAGE is present.
install() {
  local dir=$1 probe=$2
  local stamp=$dir/node_modules/.daas-lock-sha256
  local want
  want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d" " -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules/$probe" ]; then
    return 0
  fi
  echo "install-npm: npm ci in $dir"
  npm ci --prefix "$dir" --no-audit --no-fund
  echo "$want" >"$stamp"
}

install tests/interop @mysten/sui
install tests/interop/seal @mysten/seal
