# enclave.sh: a `daas enclave` with a debug CA on a Unix socket (source after common.sh).
# ucurl ARGS: curl over the enclave's socket ($T/e.sock; URLs are http://e/...).
# start_enclave: starts it (log $T/enclave.log, CA in $T/ca), waits for /health_check; sets
#   EPID (its pid; the caller's EXIT trap kills it) and PK (its Ed25519 key, hex).
EPID=
PK=
ucurl() { curl -s --max-time 10 --unix-socket "$T/e.sock" "$@"; }

start_enclave() {
  "$DAAS_BIN" enclave --listen "unix:$T/e.sock" --debug-ca "$T/ca" >"$T/enclave.log" 2>&1 &
  EPID=$!
  for _ in $(seq 100); do ucurl http://e/health_check >/dev/null 2>&1 && break; sleep 0.1; done
  PK=$(ucurl http://e/health_check | python3 -c 'import json,sys; print(json.load(sys.stdin)["pk"])') ||
    { cat "$T/enclave.log"; fail "enclave not ready"; }
}
