# registry.sh: a real OCI registry for the e2e tests (source after common.sh).
# busybox_image DIR: an OCI layout at DIR holding tag 1, built with umoci around /bin/busybox
#   (bin/busybox, bin/sh), entrypoint /bin/sh -c 'echo hello', env GREETING=hi, cwd /tmp.
# start_registry: Debian's docker-registry on a free loopback port; sets REG=127.0.0.1:PORT
#   and REG_PID (stop_registry kills it; call it from the test's EXIT trap).
REG_PID=

busybox_image() {
  local oci=$1 bundle
  bundle=$(mktemp -d "$T/bundle.XXXXXX")
  umoci init --layout "$oci" >/dev/null
  umoci new --image "$oci:1" >/dev/null
  umoci unpack --rootless --image "$oci:1" "$bundle" >/dev/null
  mkdir -p "$bundle/rootfs/bin"
  cp /bin/busybox "$bundle/rootfs/bin/busybox"
  ln -s busybox "$bundle/rootfs/bin/sh"
  umoci repack --image "$oci:1" "$bundle" >/dev/null
  umoci config --image "$oci:1" --config.entrypoint /bin/sh --config.cmd -c \
    --config.cmd 'echo hello' --config.env GREETING=hi --config.workingdir /tmp >/dev/null
}

start_registry() {
  for tool in docker-registry skopeo umoci; do
    command -v "$tool" >/dev/null || fail "$tool not found"
  done
  [ -x /bin/busybox ] || fail "/bin/busybox (busybox-static) not found"
  local rport
  rport=$(free_port)
  mkdir -p "$T/registry"
  cat >"$T/registry/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/registry/data
http:
  addr: 127.0.0.1:$rport
YML
  docker-registry serve "$T/registry/config.yml" >"$T/registry.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$rport/v2/" && break
    kill -0 "$REG_PID" 2>/dev/null || { cat "$T/registry.log"; fail "registry exited at start"; }
    sleep 0.1
  done
  REG=127.0.0.1:$rport
}

stop_registry() {
  if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi
  REG_PID=
}
