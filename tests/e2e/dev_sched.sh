#!/usr/bin/env bash
# dev_sched.sh: the whole scheduling path of `daas server --dev`, with kubectl and the daas
# CLI only: the server starts a DEBUG enclave process and registers it on the devnet
# (enclave::register after load_nitro_attestation), pods are bound with proofs naming that
# Enclave object, `daas verify pod` (the agent's check, keys read from the chain) accepts them
# and refuses a binding forged by writing spec.nodeName and a proof copied from another pod;
# decision batches are committed on chain (Enclave.next_seq advances); the enclave is killed,
# a new one is started, registered and re-fed, and schedules the next pod; `daas verify
# decisions --chain` passes on the real log (keys from the chain, every batch matched to a
# BatchCommitted event), also when read through `kubectl get --raw /daas/v1/decisions`, and
# fails once one decision's signature bit is flipped; /metrics counts decisions.
source "$(dirname "$0")/lib/common.sh"

start_server --dev --disable-agent --devnet-epoch-ms 1000
export DAAS_CHAIN=$DATA/devnet/chain.json

wait_for() {
  local what=$1; shift
  for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "$what"
}
has_node() { [ -n "$(k get pod "$1" -o jsonpath='{.spec.nodeName}')" ]; }
enclaves() { "$DAAS_BIN" sui enclaves; }
# jq-like: field of the proof annotation of pod $1
proof_field() {
  k get pod "$1" -o json | python3 -c 'import json,sys; p=json.load(sys.stdin); print(json.loads(p["metadata"]["annotations"]["daas.io/schedule-proof"])[sys.argv[1]])' "$2"
}
# current enclave ids (sorted) and the next_seq of one
current_ids() { enclaves | python3 -c 'import json,sys; print(" ".join(sorted(e["id"] for e in json.load(sys.stdin) if e["current"])))'; }
next_seq_of() { enclaves | python3 -c 'import json,sys; print([e["next_seq"] for e in json.load(sys.stdin) if e["id"]==sys.argv[1]][0])' "$1"; }
committed() { [ "$(next_seq_of "$1")" -ge 1 ]; }

ready_node n1
ready_node n2

k run web --image=nginx --restart=Never >/dev/null
wait_for "pod web bound by the dev enclave" has_node web
ENC1=$(current_ids)
[ -n "$ENC1" ] && [ "$(echo "$ENC1" | wc -w)" = 1 ] || fail "one registered enclave expected, got '$ENC1'"
[ "$(proof_field web enclave)" = "$ENC1" ] || fail "the proof names $(proof_field web enclave), not $ENC1"
grep -q "enclave::register in transaction" "$T/server.log" || fail "no registration logged"
pass "the dev enclave is registered on chain ($ENC1) and web's proof names it"

expect_out "daas verify pod accepts web (keys from the chain)" "^ok default/web on n[12]" \
  bash -c "kubectl --cache-dir $T/cache get pod web -o json | '$DAAS_BIN' verify pod -"
expect_code "a proof checked for another node is refused" 1 "1 of 1 pods refused \(first: default/web: pod is bound to node n[12], not n3\)" \
  bash -c "kubectl --cache-dir $T/cache get pod web -o json | '$DAAS_BIN' verify pod - --node n3"

# A binding forged by writing spec.nodeName (the admin may; the scheduler is bypassed).
k run forged --image=nginx --restart=Never --overrides='{"spec":{"nodeName":"n1"}}' >/dev/null
expect_code "a forged spec.nodeName has no proof" 1 "default/forged: no schedule proof" \
  bash -c "kubectl --cache-dir $T/cache get pod forged -o json | '$DAAS_BIN' verify pod -"
PROOF=$(k get pod web -o jsonpath='{.metadata.annotations.daas\.io/schedule-proof}')
k annotate pod forged "daas.io/schedule-proof=$PROOF" >/dev/null
expect_code "web's proof copied onto forged is refused" 1 "default/forged: (proof is for another pod|proof is for node n[12])" \
  bash -c "kubectl --cache-dir $T/cache get pod forged -o json | '$DAAS_BIN' verify pod -"
expect_code "the pod list: web ok, forged refused" 1 "1 of 2 pods refused \(first: default/forged" \
  bash -c "kubectl --cache-dir $T/cache get pods -o json | '$DAAS_BIN' verify pod -"
grep -q "^ok default/web on" "$T/out" && grep -q "^REFUSED default/forged" "$T/out" ||
  fail "the list: $(cat "$T/out")"

# The batch holding web's decision is committed within the batch interval (2 s).
wait_for "web's decision committed on chain" committed "$ENC1"
grep -q "committed on chain in" "$T/server.log" || fail "no commit logged"
pass "decision batch committed: Enclave.next_seq $(next_seq_of "$ENC1")"

# The enclave dies; the server starts a new one (new key), registers it and re-feeds it.
pkill -KILL -f "enclave --listen unix:$DATA/enclave.sock" || fail "no enclave process"
k run late --image=nginx --restart=Never >/dev/null
wait_for "pod late bound by the new enclave" has_node late
ENC2=$(proof_field late enclave)
[ "$ENC2" != "$ENC1" ] || fail "late's proof names the old enclave"
[ "$(current_ids)" = "$(printf '%s\n' "$ENC1" "$ENC2" | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
  fail "both enclaves should be registered and current: $(current_ids)"
expect_out "daas verify pod accepts web and late (two enclaves)" "ok default/late" \
  bash -c "kubectl --cache-dir $T/cache get pod late -o json | '$DAAS_BIN' verify pod -"
pass "after an enclave restart the new enclave ($ENC2) is registered and schedules"
wait_for "late's decision committed on chain" committed "$ENC2"

expect_code "daas verify decisions --chain passes on the run's log" 0 "" \
  "$DAAS_BIN" verify decisions "$DATA/sched/decisions.log" --chain "$DAAS_CHAIN"
python3 - "$T/out" <<'PY' || fail "verify report: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] and r["epochs"] == 2 and r["decisions"] >= 2 and r["batches"] >= 2, r
assert r["chain_checked"] == r["batches"], r
assert r["keys"] == "the enclaves registered on chain" and not r["any_key"], r
PY
pass "the replay checked $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_checked"])' "$T/out") batches against the chain"

# The same log served by the API, through stock kubectl; the scheduler's counters.
k get --raw /daas/v1/decisions >"$T/served.log"
cmp -s "$T/served.log" "$DATA/sched/decisions.log" || fail "GET /daas/v1/decisions differs from the log"
expect_code "kubectl get --raw /daas/v1/decisions | daas verify decisions - passes" 0 "" \
  bash -c "kubectl --cache-dir $T/cache get --raw /daas/v1/decisions | '$DAAS_BIN' verify decisions - --chain '$DAAS_CHAIN'"
k get --raw /metrics | grep -Eq '^daas_scheduler_decisions_total [2-9]' || fail "no decision count in /metrics"
k get --raw /metrics | grep -Eq '^daas_scheduler_batched_decisions_total [2-9]' || fail "no batch count in /metrics"
pass "/metrics counts decisions and batched decisions"
WALLET=$DATA/kubeconfig-wallet.yaml
KUBECONFIG=$WALLET k get --raw /daas/v1/decisions >/dev/null 2>"$T/err" && fail "a user-tier wallet read the decision log"
grep -q "Forbidden\|forbidden" "$T/err" || fail "wallet: $(cat "$T/err")"
pass "a user-tier wallet may not read the decision log"

# One decision altered (a signature bit; the frame check recomputed) is caught.
python3 - "$DATA/sched/decisions.log" "$T/bad.log" <<'PY'
import hashlib, struct, sys
data = open(sys.argv[1], "rb").read()
out, off, done = bytearray(data[:8]), 8, False
while off < len(data):
    n = struct.unpack_from("<I", data, off)[0]
    body = bytearray(data[off + 8: off + 8 + n])
    off += 8 + n
    if not done and body[0] == 1:  # Decision: kind, index u64, decision vector<u8>, sig
        p, ln, shift = 9, 0, 0
        while True:
            b = body[p]; p += 1; ln |= (b & 0x7f) << shift; shift += 7
            if b < 0x80: break
        body[p + ln + 5] ^= 0x04
        done = True
    out += struct.pack("<I", len(body)) + hashlib.blake2b(bytes(body), digest_size=32).digest()[:4] + body
assert done
open(sys.argv[2], "wb").write(out)
PY
expect_code "one altered decision fails the replay" 1 "decision signature does not verify" \
  "$DAAS_BIN" verify decisions "$T/bad.log" --chain "$DAAS_CHAIN"

stop_server || fail "the server did not shut down cleanly"
pgrep -f "enclave --listen unix:$DATA/enclave.sock" >/dev/null && fail "the dev enclave outlived the server"
pass "server and its dev enclave stop"
done_tests
