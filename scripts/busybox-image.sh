#!/bin/sh
# busybox-image.sh OUT.tar [TAG]: a small OCI image (OCI-layout tarball) around Debian's
# busybox-static: /bin/busybox with its applets linked (sh, sleep, cat, ...), tagged TAG
# (default "dev"), no entrypoint (pods name their command). `daas image import OUT.tar --name
# busybox` then records it as busybox:TAG. Used by `make dev` and bench/agent.
set -eu
out=$1 tag=${2:-dev}
for tool in umoci tar; do
  command -v "$tool" >/dev/null || { echo "busybox-image.sh: $tool not found (apt-get install umoci)" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "busybox-image.sh: /bin/busybox not found (apt-get install busybox-static)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umoci init --layout "$work/oci" >/dev/null
umoci new --image "$work/oci:$tag" >/dev/null
umoci unpack --rootless --image "$work/oci:$tag" "$work/bundle" >/dev/null
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/tmp"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for app in $(/bin/busybox --list); do
  [ "$app" = busybox ] || ln -sf busybox "$work/bundle/rootfs/bin/$app"
done
umoci repack --image "$work/oci:$tag" "$work/bundle" >/dev/null
umoci config --image "$work/oci:$tag" --config.cmd sh \
  --config.env PATH=/bin >/dev/null
tar -C "$work/oci" -cf "$out" .
