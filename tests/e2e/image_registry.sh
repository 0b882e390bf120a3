#!/usr/bin/env bash
# image_registry.sh: `daas image` against a real registry (Debian's docker-registry on
# loopback, image built with umoci around /bin/busybox and pushed with skopeo): pull, unpack
# (bin/busybox byte for byte), offline import from an OCI-layout tar and a docker-archive tar,
# and one clear line + exit 1 for a missing tag, a corrupted blob and an unreachable registry.
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/registry.sh"
trap 'st=$?; set +e; stop_registry; (exit $st); cleanup' EXIT

img() { timeout 120 "$DAAS_BIN" image "$@"; }

# ---- build the image with umoci, start a registry on a free loopback port ----
OCI=$T/oci
busybox_image "$OCI"
pass "umoci built an image around /bin/busybox"
start_registry
skopeo copy --quiet "oci:$OCI:1" "docker://$REG/tools/busybox:1" --dest-tls-verify=false >/dev/null
pass "skopeo pushed the image to the registry"

# ---- pull and unpack ----
S=$T/store
expect_out "pull by tag" '^sha256:[0-9a-f]{64}$' img pull "$REG/tools/busybox:1" --store "$S" --insecure-http
expect_out "list shows the canonical ref" "^$REG/tools/busybox:1	sha256:" img list --store "$S"
expect_out "pull again (blobs present)" '^sha256:' img pull "$REG/tools/busybox:1" --store "$S" --insecure-http
img unpack "$REG/tools/busybox:1" "$T/rootfs" --store "$S"
cmp /bin/busybox "$T/rootfs/bin/busybox" || fail "unpacked bin/busybox differs from /bin/busybox"
[ "$(readlink "$T/rootfs/bin/sh")" = busybox ] || fail "bin/sh is not a symlink to busybox"
[ -x "$T/rootfs/bin/busybox" ] || fail "bin/busybox lost its mode"
[ "$(stat -c %a "$T/rootfs")" = 755 ] || fail "the rootfs is not 0755"
pass "unpack: bin/busybox byte for byte, bin/sh symlink"
DIG=$(img pull "$REG/tools/busybox:1" --store "$S" --insecure-http 2>/dev/null)
expect_out "pull by digest" "^$DIG\$" img pull "$REG/tools/busybox@$DIG" --store "$S" --insecure-http
expect_code "insecure http refused off loopback" 1 'only for loopback' \
  "$DAAS_BIN" image pull example.com/x:1 --store "$S" --insecure-http

# ---- offline imports ----
tar -C "$OCI" -cf "$T/oci.tar" .
expect_out "import an OCI-layout tar" "^busybox:1	sha256:" img import "$T/oci.tar" --name busybox --store "$T/s2"
img unpack busybox:1 "$T/rootfs2" --store "$T/s2"
cmp /bin/busybox "$T/rootfs2/bin/busybox" || fail "OCI import: bin/busybox differs"
pass "OCI-layout import unpacks bin/busybox byte for byte"
skopeo copy --quiet "oci:$OCI:1" "docker-archive:$T/docker.tar:tools/busybox:1" >/dev/null
expect_out "import a docker-archive tar" "^docker.io/tools/busybox:1	sha256:" img import "$T/docker.tar" --store "$T/s3"
img unpack tools/busybox:1 "$T/rootfs3" --store "$T/s3"
cmp /bin/busybox "$T/rootfs3/bin/busybox" || fail "docker-archive import: bin/busybox differs"
pass "docker-archive import unpacks bin/busybox byte for byte"
printf 'not a tar' >"$T/junk.tar"
expect_code "importing junk" 1 '^daas image import: ' img import "$T/junk.tar" --store "$T/s3"

# ---- bad input: one line, exit 1 ----
expect_code "missing tag" 1 "^daas image pull: manifest unknown: $REG/tools/busybox:nope\$" \
  img pull "$REG/tools/busybox:nope" --store "$T/s4" --insecure-http
LAYER=$(find "$T/registry/data" -path '*/blobs/sha256/*/data' -size +500k | head -1)
[ -n "$LAYER" ] || fail "no layer blob found in the registry storage"
python3 - "$LAYER" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xff
open(p, 'wb').write(bytes(b))
PY
expect_code "corrupted blob" 1 '^daas image pull: digest mismatch for blob sha256:' \
  img pull "$REG/tools/busybox:1" --store "$T/s4" --insecure-http
[ -z "$(ls "$T/s4/blobs/sha256" | grep -v -e '^[0-9a-f]\{64\}$' || true)" ] || fail "temp files left"
for f in "$T"/s4/blobs/sha256/*; do
  [ "sha256:$(sha256sum "$f" | cut -d' ' -f1)" = "sha256:$(basename "$f")" ] || fail "bad blob kept: $f"
done
pass "a corrupted blob leaves nothing unverified in the store"
kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=
expect_code "unreachable registry" 1 "^daas image pull: registry $REG unreachable: " \
  img pull "$REG/tools/busybox:1" --store "$T/s5" --insecure-http
expect_code "unpack of an unknown image" 1 '^daas image unpack: image not found: nope' \
  img unpack nope "$T/r6" --store "$T/s5"
expect_code "usage" 2 '^usage: daas image' "$DAAS_BIN" image pull
done_tests
