#!/usr/bin/env bash
# keyserver.sh: `daas devnet` and `daas keyserver` as processes: the key server creates its
# master key (0600) and its KeyServer object on the devnet, serves HTTPS with a certificate
# made by openssl, answers /v1/service with its object id and a PoP, answers Seal errors with
# their names and statuses (and the version headers), finds its object again on restart,
# serves an existing object with --object-id, and refuses a 0644 key file, a foreign
# --object-id and bad usage with one line.
source "$(dirname "$0")/lib/common.sh"
command -v openssl >/dev/null || fail "openssl not found"

DN=$T/devnet
DPORT=$(free_port)
KPORT=$(free_port)
DEVNET_PID=
KS_PID=
"$DAAS_BIN" devnet --data-dir "$DN" --listen-port "$DPORT" >>"$T/devnet.log" 2>&1 &
DEVNET_PID=$!
trap 'st=$?; for p in $KS_PID $DEVNET_PID; do kill "$p" 2>/dev/null; done; (exit $st); cleanup' EXIT
for _ in $(seq 100); do
  [ -f "$DN/chain.json" ] && curl -s --cacert "$DN/tls/ca.crt" -o /dev/null \
    "https://127.0.0.1:$DPORT/graphql" -d '{}' && break
  kill -0 "$DEVNET_PID" 2>/dev/null || { cat "$T/devnet.log"; fail "devnet exited at start"; }
  sleep 0.1
done
export DAAS_CHAIN=$DN/chain.json
export DAAS_KEYSTORE=$T/keys/sui.keystore
sui() { timeout 60 "$DAAS_BIN" sui "$@"; }
sui keygen --alias ks >/dev/null
sui faucet --key ks >/dev/null

KS=$T/ks
mkdir -p "$KS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$KS/tls.key" -out "$KS/tls.crt" 2>/dev/null
TLS=(--tls-cert "$KS/tls.crt" --tls-key "$KS/tls.key")
URL=https://127.0.0.1:$KPORT

# usage errors: exit 2, nothing started
expect_err "missing --master-key" 'master-key is required' "$DAAS_BIN" keyserver --insecure-http
expect_err "TLS or --insecure-http" 'tls-cert' "$DAAS_BIN" keyserver --master-key "$KS/m.key" --key ks --url x
expect_err "key or object id" 'object-id' "$DAAS_BIN" keyserver --master-key "$KS/m.key" "${TLS[@]}"
expect_err "bad --listen" 'HOST:PORT' "$DAAS_BIN" keyserver --master-key "$KS/m.key" "${TLS[@]}" --key ks --url x --listen nope

# start_ks ARGS...: starts the key server, waits for its "serving" line, sets ID
start_ks() {
  : >"$T/ks.out"
  "$DAAS_BIN" keyserver --listen "127.0.0.1:$KPORT" "${TLS[@]}" "$@" >"$T/ks.out" 2>>"$T/ks.log" &
  KS_PID=$!
  for _ in $(seq 200); do
    grep -q '^keyserver: serving' "$T/ks.out" && break
    kill -0 "$KS_PID" 2>/dev/null || { cat "$T/ks.log"; fail "keyserver exited at start"; }
    sleep 0.1
  done
  ID=$(sed -n 's/^keyserver: serving \(0x[0-9a-f]\{64\}\) pk \([0-9a-f]\{192\}\) on https:\/\/127\.0\.0\.1:[0-9]*$/\1/p' "$T/ks.out")
  [ -n "$ID" ] || { cat "$T/ks.out" "$T/ks.log"; fail "no serving line"; }
}
stop_ks() {
  kill -TERM "$KS_PID"; local st=0; wait "$KS_PID" || st=$?; KS_PID=
  [ "$st" = 0 ] || { tail -5 "$T/ks.log"; fail "keyserver exit $st after SIGTERM"; }
}
H=(-H 'Client-Sdk-Version: 1.4.4' -H 'Client-Sdk-Type: typescript')
kcurl() { curl -s --cacert "$KS/tls.crt" -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$@"; }

start_ks --master-key "$KS/master.key" --key ks --url "$URL" --name e2e
[ "$(stat -c %a "$KS/master.key")" = 600 ] || fail "master key mode"; pass "master key created 0600"
grep -Eq '^[0-9a-f]{64}$' "$KS/master.key" || fail "master key format"; pass "master key is 64 hex digits"
grep -q "KeyServer $ID created" "$T/ks.log" || fail "created"; pass "KeyServer created on chain"
! grep -q "$(cat "$KS/master.key")" "$T/ks.log" "$T/ks.out" || fail "key in the log"; pass "master key never logged"

code=$(kcurl "${H[@]}" "$URL/v1/service?service_id=$ID")
[ "$code" = 200 ] || { cat "$T/body"; fail "/v1/service: $code"; }
python3 - "$T/body" "$ID" <<'PY' || fail "service reply"
import base64, json, sys
r = json.load(open(sys.argv[1]))
assert r["service_id"] == sys.argv[2], r
assert len(base64.b64decode(r["pop"], validate=True)) == 48, r
PY
pass "/v1/service: object id and a 48-byte PoP over HTTPS"
grep -qi '^X-KeyServer-Version: 0.6.10' "$T/hdr" || fail "version header"; pass "X-KeyServer-Version"
grep -qi '^X-KeyServer-GitVersion: daas-' "$T/hdr" || fail "git version header"; pass "X-KeyServer-GitVersion"

code=$(kcurl "$URL/v1/service?service_id=$ID")
[ "$code" = 400 ] && grep -q '"error":"MissingRequiredHeader"' "$T/body" || { cat "$T/body"; fail "missing header: $code"; }
grep -qi '^X-KeyServer-Version: 0.6.10' "$T/hdr" || fail "version header on an error"
pass "400 MissingRequiredHeader (with the version header)"
code=$(kcurl "${H[@]}" "$URL/v1/service?service_id=0x1234")
[ "$code" = 400 ] && grep -q '"error":"InvalidServiceId","message":"Invalid service ID"' "$T/body" || { cat "$T/body"; fail "service id: $code"; }
pass "400 InvalidServiceId"
code=$(kcurl -H 'Client-Sdk-Version: 0.4.4' -H 'Client-Sdk-Type: typescript' -H 'Content-Type: application/json' -d '{}' "$URL/v1/fetch_key")
[ "$code" = 426 ] && grep -q '"error":"DeprecatedSDKVersion"' "$T/body" || { cat "$T/body"; fail "deprecated: $code"; }
pass "426 DeprecatedSDKVersion"
code=$(kcurl "${H[@]}" -H 'Content-Type: application/json' -d '{}' "$URL/v1/fetch_key")
[ "$code" = 422 ] || { cat "$T/body"; fail "empty request: $code"; }; pass "422 for a request without fields"
stop_ks; pass "SIGTERM: clean exit"

# a restart finds the same object; --object-id serves it; another key may not
start_ks --master-key "$KS/master.key" --key ks --url "$URL" --name e2e
FIRST=$ID
grep -q "KeyServer $ID found" "$T/ks.log" || fail "found"; pass "restart finds the KeyServer"
stop_ks
start_ks --master-key "$KS/master.key" --object-id "$FIRST"
[ "$ID" = "$FIRST" ] || fail "--object-id"; pass "--object-id serves the existing object"
stop_ks
# 0x01 followed by random bytes is < r: a valid master key of someone else
(umask 077; printf '01%s\n' "$(openssl rand -hex 31)" >"$KS/other.key")
expect_code "foreign object" 1 'another public key' \
  timeout 60 "$DAAS_BIN" keyserver --master-key "$KS/other.key" --insecure-http --object-id "$FIRST"
chmod 644 "$KS/master.key"
expect_code "0644 key file refused" 1 'mode 0644' \
  timeout 60 "$DAAS_BIN" keyserver --master-key "$KS/master.key" --insecure-http --object-id "$FIRST"
done_tests
