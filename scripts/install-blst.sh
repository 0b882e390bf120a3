#!/usr/bin/env bash
# install-blst.sh: builds blst (BLS12-381, supranational) from the pinned npm package
# @chainsafe/blst@0.2.11, which bundles blst 0.3.10's C and assembly sources, into
# .deps/blst-0.2.11/{lib/libblst.a,include/blst.h,include/blst_aux.h}.
# The tarball is checked against its published SHA-1 and SHA-512 (npm "integrity") before
# anything in it runs. Idempotent: does nothing when the library and its stamp are present.
# Nothing of blst is committed; .deps/ is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.2.11
SHA1=5ec85cd663592819d1dc51127e75dfd834250e3d
SHA512=URyOLq5GtxBoxibOnd2pgLydCy0UZzbiIIBcsRAvGxAsRzjZL04TsQfwRkz5aphU3a1ebeRoMmI/HHyMCiFSQg==
dest=${DAAS_BLST_DIR:-$PWD/.deps/blst-$VERSION}
stamp=$dest/.stamp

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$SHA1" ] && [ -f "$dest/lib/libblst.a" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-blst: npm not found on PATH" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-blst: npm pack @chainsafe/blst@$VERSION"
(cd "$work" && npm pack "@chainsafe/blst@$VERSION" --silent >/dev/null 2>"$work/npm.log") || {
  cat "$work/npm.log" >&2; echo "install-blst: npm pack failed" >&2; exit 1; }
tgz="$work/chainsafe-blst-$VERSION.tgz"
got1=$(sha1sum "$tgz" | cut -d' ' -f1)
got512=$(sha512sum "$tgz" | cut -d' ' -f1 | xxd -r -p | base64 -w0)
if [ "$got1" != "$SHA1" ] || [ "$got512" != "$SHA512" ]; then
  echo "install-blst: integrity check failed for @chainsafe/blst@$VERSION (sha1 $got1)" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work"
# One library for every build (normal, sanitizer, fuzz): always the system C compiler.
(cd "$work/package/blst" && CC=cc sh build.sh >"$work/build.log" 2>&1) || {
  cat "$work/build.log" >&2; echo "install-blst: build.sh failed" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/lib" "$dest/include"
cp "$work/package/blst/libblst.a" "$dest/lib/"
cp "$work/package/blst/bindings/blst.h" "$work/package/blst/bindings/blst_aux.h" "$dest/include/"
cp "$work/package/blst/LICENSE" "$dest/"
echo "$SHA1" >"$stamp"
echo "install-blst: built blst from @chainsafe/blst@$VERSION into $dest"
