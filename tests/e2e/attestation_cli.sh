#!/usr/bin/env bash
# attestation_cli.sh: `daas attestation verify` on the four real AWS Nitro documents (hex, raw
# CBOR, the JSON of GET /get_attestation, stdin): valid at their upstream clocks, invalid 1 ms
# past their validity, the debug rule, the PCR policy, a flipped signature byte, and exit 2 with
# one line for every bad usage. No server is started.
source "$(dirname "$0")/lib/common.sh"

V=${DAAS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/unit/enclave/vectors
att() { timeout 60 "$DAAS_BIN" attestation verify "$@"; }

# json_field FIELD: prints a field of the JSON summary in $T/out.
json_field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v))' "$T/out" "$1"; }

names=(nautilus-weather nautilus-twitter fastcrypto-fixed-valid fastcrypto-pcr16)
clocks=(1744684007462 1744731549746 1731627987382 1762795380000)
lasts=(1744694270999 1744740036999 1731630269999 1762806010999)
modules=(i-06e4b98c6549ff803-enc0196373b195fb723 i-00d494a46f4f3c091-enc019639f5c00f6e0c
         i-0f73a4b4cb74cc9f2-enc0192e4188fef781d i-06fb0bf4e70d5129f-enc019a5376999041b1)

for i in 0 1 2 3; do
  n=${names[$i]} f=$V/${names[$i]}.cbor.hex
  expect_code "$n valid at its upstream clock" 0 "" att "$f" --at "${clocks[$i]}" --allow-debug
  [ "$(json_field verdict)" = '"valid"' ] || fail "$n: verdict"
  [ "$(json_field module_id)" = "\"${modules[$i]}\"" ] || fail "$n: module_id"
  [ "$(json_field chain | python3 -c 'import json,sys; c=json.load(sys.stdin); print(len(c), c[-1])')" \
    = "5 CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US" ] || fail "$n: chain"
  expect_code "$n valid at the last accepted ms" 0 "" att "$f" --at "${lasts[$i]}" --allow-debug
  expect_code "$n invalid 1 ms later" 1 'invalid: certificate timestamp not valid' \
    att "$f" --at "$((${lasts[$i]} + 1))" --allow-debug
  [ "$(json_field verdict)" = '"invalid"' ] || fail "$n: verdict after expiry"
done

W=$V/nautilus-weather.cbor.hex
AT=--at=1744684007462
python3 -c 'import sys; open(sys.argv[2],"wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
  "$W" "$T/weather.cbor"
expect_code "raw CBOR input" 0 "" att "$T/weather.cbor" $AT
[ "$(json_field public_key)" = '"e8e62201dbe293b703c759f653107acbc2c911fa1d2e66f2c747bec95971a2af"' ] \
  || fail "public_key"
[ "$(json_field debug)" = false ] || fail "debug flag"
printf '{"attestation":"%s"}\n' "$(cat "$W")" >"$T/att.json"
expect_code "JSON of GET /get_attestation" 0 "" att "$T/att.json" $AT
expect_code "hex on stdin" 0 "" att - $AT <"$W"
expect_code "--time prints the verification time" 0 'ms per verification' att "$W" $AT --time

D=$V/fastcrypto-fixed-valid.cbor.hex
expect_code "debug document refused without --allow-debug" 1 \
  'invalid: debug enclave document \(PCRs zero\) not allowed' att "$D" --at 1731627987382
expect_code "debug document accepted with --allow-debug" 0 "" att "$D" --at 1731627987382 --allow-debug
[ "$(json_field debug)" = true ] || fail "debug flag of V3"

P0=cbe1afb6ed0ff89f10295af0b802247ec5670da8f886e71a4226373b032c322f4e42c9c98288e7211682b258684505a2
P2=21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c10edb30948c90ba67310f7b964fc500a
expect_code "PCR policy met" 0 "" att "$W" $AT --pcr "0=$P0" --pcr "1=$P0" --pcr "2=$P2"
expect_code "PCR policy names the PCR that differs" 1 'invalid: PCR1 does not match the policy' \
  att "$W" $AT --pcr "0=$P0" --pcr "1=$P2"

python3 - "$T/weather.cbor" "$T/flipped.cbor" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) - 96] ^= 1
open(sys.argv[2], 'wb').write(b)
PY
expect_code "flipped signature byte" 1 'invalid: signature fails to verify' att "$T/flipped.cbor" $AT
head -c 3000 "$T/weather.cbor" >"$T/trunc.cbor"
expect_code "truncated document" 1 'invalid: .*truncated' att "$T/trunc.cbor" $AT
printf 'not a document' >"$T/junk"
expect_code "junk" 1 'invalid:' att "$T/junk" $AT
expect_code "missing file" 1 'cannot open' att "$T/nope" $AT
echo junk >"$T/root.pem"
expect_code "a debug root that is not a certificate" 1 'debug root is not a PEM or DER' \
  att "$W" $AT --allow-debug --debug-root "$T/root.pem"

# A debug document from `daas enclave` (its dev CA): valid only with --allow-debug and that CA
# as the debug root, and it binds the key /health_check announces.
SOCK=$T/enclave.sock
"$DAAS_BIN" enclave --listen "unix:$SOCK" --debug-ca "$T/devca" >>"$T/enclave.log" 2>&1 &
ENCLAVE_PID=$!
trap 'st=$?; kill "$ENCLAVE_PID" 2>/dev/null || true; (exit $st); cleanup' EXIT
for _ in $(seq 100); do
  curl -s --unix-socket "$SOCK" http://enclave/health_check -o "$T/health.json" 2>/dev/null && break
  kill -0 "$ENCLAVE_PID" 2>/dev/null || { cat "$T/enclave.log"; fail "daas enclave exited"; }
  sleep 0.1
done
curl -sf --unix-socket "$SOCK" http://enclave/get_attestation -o "$T/dev.json" || fail "get_attestation"
expect_code "enclave debug document refused without --allow-debug" 1 \
  'invalid: debug enclave document \(PCRs zero\) not allowed' \
  att "$T/dev.json" --debug-root "$T/devca/ca.crt"
expect_code "enclave debug document refused without its dev root" 1 'invalid: ' \
  att "$T/dev.json" --allow-debug
expect_code "enclave debug document valid with --allow-debug --debug-root" 0 "" \
  att "$T/dev.json" --allow-debug --debug-root "$T/devca/ca.crt"
[ "$(json_field public_key)" = "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["pk"]))' "$T/health.json")" ] \
  || fail "the document binds the /health_check key"
kill -TERM "$ENCLAVE_PID"; wait "$ENCLAVE_PID" || true

expect_code "no FILE" 2 'FILE is required' att --at 1
expect_code "two FILEs" 2 'one FILE only' att "$W" "$W"
expect_code "bad --at" 2 'bad --at "soon"' att "$W" --at soon
expect_code "bad --pcr index" 2 'bad --pcr' att "$W" --pcr "32=$P0"
expect_code "bad --pcr length" 2 'bad --pcr' att "$W" --pcr "0=abcd"
expect_code "unknown flag" 2 'unknown flag "--frob"' att "$W" --frob
expect_code "unknown sub-command" 2 'unknown command "check"' "$DAAS_BIN" attestation check "$W"
expect_code "--help" 0 "" att --help
grep -q 'usage: daas attestation verify' "$T/out" || fail "--help text"

done_tests
