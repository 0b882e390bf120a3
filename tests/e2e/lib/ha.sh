# ha.sh: several daas servers of ONE cluster sharing one etcd cluster (source after common.sh
# and etcd.sh, and call etcd_cluster first). Server I keeps its data dir ($T/s$I), port and log
# ($T/s$I.log) for the whole test, so it can be killed and started again as the same server.
# ha_server I [flags]: starts server I on $ETCD_ENDPOINTS (with the etcd TLS files) and the
#   shared --token $HA_TOKEN; waits until /readyz answers. Installs the EXIT trap on first use:
#   the servers stop first (SIGTERM; a non-zero exit fails the test), then etcd, then cleanup.
# ha_kill I: kill -9 server I. ha_stop I: SIGTERM and wait; non-zero when it exited non-zero.
# ha_url I: https://127.0.0.1:PORT of server I. ha_ports: the ports, comma-separated.
# HA_BG: the test appends the pids of its background helpers (e.g. lib/haload.py); the EXIT
#   trap kills them before it stops the servers.
# hk I ARGS: kubectl against server I (the admin kubeconfig of server 1 works on every one).
# ha_leader: prints I of the server holding the controllers' Lease (kube-system/
#   daas-controllers), read through any live server; returns 1 when no live server holds it.
HA_TOKEN=daas-e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
HA_PIDS=()
HA_BG=() # background helpers of the test (load generators): killed first at exit
HA_PORTS=()
HA_N=0

ha_url() { echo "https://127.0.0.1:${HA_PORTS[$1]}"; }
ha_ports() { local IFS=,; echo "${HA_PORTS[*]:1}"; }
hk() { local i=$1; shift; k --kubeconfig "$T/s1/kubeconfig.yaml" --server "$(ha_url "$i")" "$@"; }

ha_exit() {
  local st=$1 i
  for i in "${HA_BG[@]}"; do kill "$i" 2>/dev/null; done # load generators first
  for i in $(seq "$HA_N"); do
    [ -n "${HA_PIDS[i]:-}" ] || continue
    if ! ha_stop "$i" && [ "$st" -eq 0 ]; then echo "FAIL: server $i did not shut down cleanly"; st=1; fi
  done
  if [ "$st" -ne 0 ]; then
    for i in $(seq "$HA_N"); do echo "---- server $i log (last 25 lines) ----"; tail -n 25 "$T/s$i.log"; done
  fi
  return "$st"
}

ha_server() {
  local i=$1 tls=()
  shift
  [ -z "${HA_PIDS[i]:-}" ] || fail "server $i is already running"
  [ "$HA_N" -ge "$i" ] || HA_N=$i
  [ -n "${HA_PORTS[i]:-}" ] || HA_PORTS[i]=$(free_port)
  [ -z "$ETCD_CA" ] || tls=(--datastore-cafile "$ETCD_CA" --datastore-certfile "$ETCD_CERT" --datastore-keyfile "$ETCD_KEY")
  trap 'st=$?; set +e; ha_exit $st; etcd_exit $?; cleanup' EXIT
  "$DAAS_BIN" server --data-dir "$T/s$i" --https-listen-port "${HA_PORTS[i]}" --bind-address 127.0.0.1 \
    --workers 4 --datastore-endpoint "$ETCD_ENDPOINTS" "${tls[@]}" --token "$HA_TOKEN" "$@" \
    >>"$T/s$i.log" 2>&1 &
  HA_PIDS[i]=$!
  for _ in $(seq 200); do
    curl -sk "$(ha_url "$i")/readyz" 2>/dev/null | grep -q ok && return 0
    kill -0 "${HA_PIDS[i]}" 2>/dev/null || { tail -n 20 "$T/s$i.log"; fail "server $i exited at start"; }
    sleep 0.1
  done
  tail -n 20 "$T/s$i.log"; fail "server $i not ready within 20 s"
}

ha_kill() {
  local pid=${HA_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  HA_PIDS[$1]=
}

ha_stop() {
  local pid=${HA_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  HA_PIDS[$1]=
  stop_pid "$pid" "server $1"
}

ha_leader() {
  local i holder
  for i in $(seq "$HA_N"); do
    [ -n "${HA_PIDS[i]:-}" ] || continue
    holder=$(hk "$i" -n kube-system get lease daas-controllers -o jsonpath='{.spec.holderIdentity}' 2>/dev/null) || continue
    [ -n "$holder" ] || return 1
    for i in $(seq "$HA_N"); do
      [ -n "${HA_PIDS[i]:-}" ] || continue
      grep -q "leader election: $holder acquired" "$T/s$i.log" && { echo "$i"; return 0; }
    done
    return 1
  done
  return 1
}
