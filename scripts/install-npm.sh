#!/usr/bin/env bash
# install-npm.sh: installs the Node packages of the interoperability tests (tests/interop) exactly
# as package-lock.json pins them (npm ci: integrity-checked, no resolution). Idempotent: runs npm
# only when node_modules is missing or was installed from another package.json or lock file. Fails loudly when
# node or npm is missing or too old.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/interop
stamp=$dir/node_modules/.daas-lock-sha256

command -v node >/dev/null || { echo "install-npm: node not found on PATH (need Node.js >= 20)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-npm: npm not found on PATH" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install-npm: Node.js $(node --version) is too old (need >= 20)" >&2; exit 1
fi

want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d" " -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules/@mysten/sui" ]; then
  exit 0
fi
echo "install-npm: npm ci in $dir"
npm ci --prefix "$dir" --no-audit --no-fund
echo "$want" >"$stamp"
