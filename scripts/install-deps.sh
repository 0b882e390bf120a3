#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages daas needs to build, test and run (idempotent).
# Runs apt-get only when something is missing; needs root (or sudo) in that case.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libssl-dev libevent-dev libjansson-dev libsqlite3-dev libyaml-dev libsodium-dev
      libcmocka-dev libcurl4-openssl-dev libcbor-dev libsecp256k1-dev
      zlib1g-dev
      runc docker-registry skopeo umoci busybox-static
      etcd-server etcd-client
      openssl curl python3 python3-cryptography procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v kubectl >/dev/null || { echo "install-deps: kubectl not found on PATH (needed by the e2e tests)"; exit 1; }
