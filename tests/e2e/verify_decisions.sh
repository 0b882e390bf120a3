#!/usr/bin/env bash
# verify_decisions.sh: `daas verify decisions` on a decision log written by the scheduler core
# run in-process (tests/e2e/tools/declog_sample, fixed test keys): passes on the log, with and
# without --pk, across an enclave restart (two epochs); fails with exit 1 and one stderr line
# naming the record on one decision altered (node, score: re-signed; signature), a batch root
# altered, an untrusted key; a torn last record is a warning only; bad usage exits 2. No server
# is started; the chain check is only exercised against an unreachable endpoint.
source "$(dirname "$0")/lib/common.sh"

GEN=${DAAS_BUILD:-$(dirname "$DAAS_BIN")}/tests/e2e/tools/declog_sample
[ -x "$GEN" ] || fail "$GEN not built (add_subdirectory(tests/e2e/tools) in CMakeLists.txt)"
ver() { timeout 60 "$DAAS_BIN" verify "$@"; }

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v:=v[k] for k in sys.argv[2:]]; print(json.dumps(v))' "$T/out" "$@"; }

L=$T/sample.log
mapfile -t KEYS < <("$GEN" "$L" --print-keys)
[ "${#KEYS[@]}" = 2 ] || fail "declog_sample --print-keys"

expect_code "a generated log verifies" 0 "" ver decisions "$L"
[ "$(field ok)" = true ] && [ "$(field decisions)" = 6 ] && [ "$(field batches)" = 2 ] &&
  [ "$(field deltas)" = 9 ] && [ "$(field first_failure)" = null ] || fail "report: $(cat "$T/out")"
[ "$(field any_key)" = true ] && grep -q '"note"' "$T/out" || fail "no --pk: the report must say any key"
expect_code "verifies with its key given" 0 "" ver decisions "$L" --pk "${KEYS[0]}"
[ "$(field any_key)" = false ] || fail "any_key with --pk"
expect_code "verifies from stdin" 0 "" ver decisions - <"$L"
expect_code "an untrusted key" 1 'record 3 .*not a trusted key' ver decisions "$L" --pk "${KEYS[1]}"
[ "$(field first_failure record)" = 3 ] || fail "first_failure.record"

"$GEN" "$T/two.log" --two-epochs
expect_code "two epochs, both keys" 0 "" ver decisions "$T/two.log" --pk "${KEYS[0]}" --pk "${KEYS[1]}"
[ "$(field epochs)" = 1 ] && [ "$(field batches)" = 3 ] || fail "two epochs: $(cat "$T/out")"

for t in node score sig root; do "$GEN" "$T/$t.log" --tamper "$t"; done
expect_code "altered node" 1 'record 5 .*on node n2, the algorithm chooses n1' ver decisions "$T/node.log"
[ "$(field ok)" = false ] && [ "$(field first_failure record)" = 5 ] || fail "node: report"
expect_code "altered score" 1 'record 5 .*decision score [0-9]+, the algorithm computes' ver decisions "$T/score.log"
expect_code "altered signature" 1 'record 5 .*decision signature does not verify' ver decisions "$T/sig.log"
expect_code "altered batch root" 1 'record 9 .*not the Merkle root of decisions 0\.\.2' ver decisions "$T/root.log"
cmp -s "$L" "$T/node.log" && fail "the altered copy equals the original"

# A crash mid-append: the last record torn off is ignored with a warning (exit 0).
head -c $(( $(stat -c %s "$L") - 10 )) "$L" >"$T/torn.log"
st=0; ver decisions "$T/torn.log" >"$T/out" 2>"$T/err" || st=$?
[ "$st" = 0 ] && grep -q 'torn last record' "$T/err" && [ "$(field torn_tail)" = true ] &&
  [ "$(field batches)" = 1 ] || { cat "$T/out" "$T/err"; fail "torn tail"; }
pass "a torn last record is a warning"
printf 'garbage!' >"$T/bad.log"
expect_code "not a log" 1 'record 0 .*not a decision log' ver decisions "$T/bad.log"
expect_code "missing file" 1 'nonexistent' ver decisions "$T/nonexistent"
expect_code "unreachable chain" 1 'daas verify: ' ver decisions "$L" --chain http://127.0.0.1:1/graphql \
  --package 0x0000000000000000000000000000000000000000000000000000000000000abc

expect_code "no FILE" 2 'exactly one FILE' ver decisions
expect_code "bad --pk" 2 'pk wants 64 hex' ver decisions "$L" --pk xyz
expect_code "unknown what" 2 'daas verify decisions FILE' ver signatures "$L"
expect_code "--help" 0 "" ver decisions --help
grep -q 'usage: daas verify decisions' "$T/out" || fail "--help text"

done_tests
