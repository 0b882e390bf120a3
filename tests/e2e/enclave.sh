#!/usr/bin/env bash
# enclave.sh: `daas enclave` outside Nitro (debug documents) on a Unix socket and on TCP: the
# Nautilus endpoints, the key bound in the document, the verifier's debug rule; `daas
# vsock-proxy` relaying TCP to the enclave's Unix socket and refusing destinations that are
# not allow-listed; SIGTERM ends each of them with status 0.
source "$(dirname "$0")/lib/common.sh"

PIDS=()
kill_mine() { for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; }
trap 'st=$?; kill_mine; (exit $st); cleanup' EXIT

# stop NAME PID: SIGTERM, wait up to 20 s, require exit status 0.
stop() {
  local name=$1 pid=$2 st=0
  kill -TERM "$pid"
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$name did not stop within 20 s"
  wait "$pid" || st=$?
  [ $st -eq 0 ] || { tail -n 20 "$T/$name.log"; fail "$name exited with status $st"; }
  pass "$name: SIGTERM → exit 0"
}

# wait_for NAME PID CMD...: until CMD succeeds (10 s), failing early if PID died.
wait_for() {
  local name=$1 pid=$2; shift 2
  for _ in $(seq 100); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$T/$name.log"; fail "$name exited at start"; }
    sleep 0.1
  done
  cat "$T/$name.log"; fail "$name not ready"
}

ucurl() { curl -s --max-time 10 --unix-socket "$T/e.sock" "$@"; }
tcurl() { curl -s --max-time 10 "$@"; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# ---- the enclave on a Unix socket ----
"$DAAS_BIN" enclave --listen "unix:$T/e.sock" --debug-ca "$T/ca" >"$T/enclave.log" 2>&1 &
EPID=$!; PIDS+=("$EPID")
wait_for enclave "$EPID" ucurl http://e/
grep -q 'DEBUG ENCLAVE: attestation signed by a dev CA, PCRs zero' "$T/enclave.log" ||
  fail "no DEBUG ENCLAVE warning in the log"
pass "outside Nitro the enclave says DEBUG ENCLAVE"
grep -q 'no TLS' "$T/enclave.log" || fail "the log does not say the service is plain HTTP"
[ "$(stat -c %a "$T/ca/ca.key")" = 600 ] || fail "ca.key is not 0600"
[ "$(stat -c %a "$T/ca/ca.crt")" = 600 ] || fail "ca.crt is not 0600"
pass "dev CA created, files 0600"

[ "$(ucurl http://e/)" = "Pong!" ] || fail "GET / is not Pong!"
pass "GET / → Pong!"

health=$(ucurl http://e/health_check)
PK=$(json_field pk <<<"$health")
[[ $PK =~ ^[0-9a-f]{64}$ ]] || fail "pk is not 64 lowercase hex: $health"
[ "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["endpoints_status"])' <<<"$health")" = "{}" ] ||
  fail "endpoints_status is not {}: $health"
pass "GET /health_check → pk $PK"

ucurl http://e/get_attestation >"$T/att.json"
python3 - "$T/att.json" "$PK" "$T/doc.bin" <<'PY' || fail "get_attestation answer is wrong"
import json, sys
h = json.load(open(sys.argv[1]))["attestation"]
assert h == h.lower() and len(h) % 2 == 0, "not lowercase hex"
doc = bytes.fromhex(h)
open(sys.argv[3], "wb").write(doc)
assert doc[:7] == bytes.fromhex("8444a1013822a0"), "not COSE_Sign1 with {1:-35}"
assert doc[-98:-96] == bytes.fromhex("5860"), "signature is not a 96-byte bstr"
assert bytes.fromhex("6a7075626c69635f6b65795820") + bytes.fromhex(sys.argv[2]) in doc, "pk not bound"
assert b"daas-debug-" in doc and b"SHA384" in doc
PY
pass "GET /get_attestation → COSE_Sign1 document binding the pk"

code=$(ucurl -o "$T/nf.json" -w '%{http_code}' http://e/no/such/path)
[ "$code" = 404 ] && grep -q '"error"' "$T/nf.json" || fail "unknown path answered $code"
code=$(ucurl -o /dev/null -w '%{http_code}' -X POST http://e/health_check)
[ "$code" = 405 ] || fail "POST /health_check answered $code"
pass "unknown path → 404, wrong method → 405"

# ---- the verifier: accepts the debug document only with --allow-debug and the dev root ----
expect_out "verify --allow-debug --debug-root accepts the debug document" "\"public_key\": \"$PK\"" \
  "$DAAS_BIN" attestation verify "$T/att.json" --allow-debug --debug-root "$T/ca/ca.crt"
expect_err "verify without --allow-debug refuses it" "debug.*not allowed" \
  "$DAAS_BIN" attestation verify "$T/att.json" --debug-root "$T/ca/ca.crt"
expect_err "verify without the dev root refuses it (AWS root expected)" "invalid" \
  "$DAAS_BIN" attestation verify "$T/doc.bin" --allow-debug

# ---- a second enclave on TCP, same CA: a new key per boot ----
EPORT=$(free_port)
"$DAAS_BIN" enclave --listen "tcp:127.0.0.1:$EPORT" --debug-ca "$T/ca" >"$T/enclave2.log" 2>&1 &
E2PID=$!; PIDS+=("$E2PID")
wait_for enclave2 "$E2PID" tcurl -f "http://127.0.0.1:$EPORT/"
PK2=$(tcurl "http://127.0.0.1:$EPORT/health_check" | json_field pk)
[[ $PK2 =~ ^[0-9a-f]{64}$ && $PK2 != "$PK" ]] || fail "second enclave pk $PK2 (first $PK)"
pass "tcp listener serves; each boot has its own key"
tcurl "http://127.0.0.1:$EPORT/get_attestation" | grep -q '"attestation":"8444a1013822a0' ||
  fail "tcp get_attestation"
pass "tcp get_attestation"
stop enclave2 "$E2PID"

# ---- vsock-proxy: refused destinations ----
PPORT=$(free_port)
expect_err "a destination not on the allow-list is refused" "not on the allow-list" \
  "$DAAS_BIN" vsock-proxy --listen "tcp:127.0.0.1:$PPORT" --to "unix:$T/e.sock" \
  --allow "unix:$T/other.sock" --allow 127.0.0.1:443
expect_err "no allow-list allows nothing" "no --allow given" \
  "$DAAS_BIN" vsock-proxy --listen "tcp:127.0.0.1:$PPORT" --to "vsock:16:3000"
expect_err "a bad address is a usage error" "vsock:CID:PORT" \
  "$DAAS_BIN" vsock-proxy --listen "tcp:127.0.0.1:$PPORT" --to "16:3000" --allow 16:3000

# ---- vsock-proxy relaying tcp → the enclave's Unix socket ----
"$DAAS_BIN" vsock-proxy --listen "tcp:127.0.0.1:$PPORT" --to "unix:$T/e.sock" \
  --allow "vsock:16:3000" --allow "unix:$T/e.sock" >"$T/proxy.log" 2>&1 &
PPID_=$!; PIDS+=("$PPID_")
wait_for proxy "$PPID_" tcurl -f "http://127.0.0.1:$PPORT/"
[ "$(tcurl "http://127.0.0.1:$PPORT/health_check" | json_field pk)" = "$PK" ] ||
  fail "the proxy does not reach the enclave"
pass "vsock-proxy relays tcp → unix: same pk"
tcurl "http://127.0.0.1:$PPORT/get_attestation" | json_field attestation >"$T/att2.hex"
[ "$(wc -c <"$T/att2.hex")" -gt 3000 ] || fail "attestation through the proxy is short"
pass "a multi-kilobyte answer crosses the proxy"
for i in $(seq 8); do tcurl "http://127.0.0.1:$PPORT/health_check" >"$T/par.$i" & done
wait_for proxy "$PPID_" true
for i in $(seq 8); do
  for _ in $(seq 100); do [ -s "$T/par.$i" ] && break; sleep 0.1; done
  grep -q "$PK" "$T/par.$i" || fail "parallel request $i through the proxy failed"
done
pass "8 parallel connections relayed"

# A destination that is down: the client's connection closes, the proxy keeps serving.
DPORT=$(free_port)
"$DAAS_BIN" vsock-proxy --listen "tcp:127.0.0.1:$DPORT" --to "unix:$T/down.sock" \
  --allow "unix:$T/down.sock" >"$T/proxy_down.log" 2>&1 &
DPID=$!; PIDS+=("$DPID")
wait_for proxy_down "$DPID" grep -q relaying "$T/proxy_down.log"
if curl -s --max-time 10 "http://127.0.0.1:$DPORT/" >/dev/null; then fail "reply from a down destination"; fi
kill -0 "$DPID" || fail "the proxy died when its destination was down"
grep -q 'connect to unix:.*down.sock' "$T/proxy_down.log" || fail "the proxy did not log the failed connect"
pass "down destination: connection closed, proxy still up"
stop proxy_down "$DPID"

# SIGTERM while a relay is open: it is shut, the proxy still exits 0.
python3 - "$PPORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: e\r\n\r\n")
s.recv(100)
time.sleep(30)
PY
HOLD=$!
sleep 0.5
stop proxy "$PPID_"
kill "$HOLD" 2>/dev/null || true
wait "$HOLD" 2>/dev/null || true

stop enclave "$EPID"
[ ! -e "$T/e.sock" ] || fail "the enclave left its socket file"
pass "socket file removed at exit"
done_tests
