# devnet.sh: `daas devnet` as its own process for the e2e tests (source after common.sh).
# start_devnet [FLAGS]: starts it on a free port with its state in $DN, waits until GraphQL
#   answers, and points the daas CLI at it (DAAS_CHAIN, DAAS_KEYSTORE in $T/keys).
# stop_devnet: SIGTERM and a zero exit status; kill_devnet: for EXIT traps (never fails).
# sui ARGS: `daas sui` with a timeout.
DN=$T/devnet
DPORT=$(free_port)
DEVNET_PID=

start_devnet() {
  "$DAAS_BIN" devnet --data-dir "$DN" --listen-port "$DPORT" "$@" >>"$T/devnet.log" 2>&1 &
  DEVNET_PID=$!
  export DAAS_CHAIN=$DN/chain.json
  export DAAS_KEYSTORE=$T/keys/sui.keystore
  for _ in $(seq 100); do
    [ -f "$DN/chain.json" ] && curl -s --cacert "$DN/tls/ca.crt" -o /dev/null \
      "https://127.0.0.1:$DPORT/graphql" -d '{}' && return 0
    kill -0 "$DEVNET_PID" 2>/dev/null || { cat "$T/devnet.log"; fail "devnet exited at start"; }
    sleep 0.1
  done
  fail "devnet not ready"
}

stop_devnet() {
  kill -TERM "$DEVNET_PID"
  wait "$DEVNET_PID" || fail "devnet exited non-zero"
  DEVNET_PID=
}

kill_devnet() {
  if [ -n "$DEVNET_PID" ]; then kill "$DEVNET_PID" 2>/dev/null || true; fi
  DEVNET_PID=
}

sui() { timeout 60 "$DAAS_BIN" sui "$@"; }
