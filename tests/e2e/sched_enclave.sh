#!/usr/bin/env bash
# sched_enclave.sh: `daas server --enclave unix:…` schedules with a real `daas enclave`
# (debug attestation verified against its dev root): two Ready Nodes made with kubectl, a pod
# gets spec.nodeName and a schedule-proof annotation whose Ed25519 signature (checked here
# independently in Python over the intent-2 bytes) is by the enclave's attested key, a
# Scheduled event; a pod too big for any node stays Pending with kube-scheduler's
# FailedScheduling message; every pod carries the enclave's admission proof; with the enclave
# stopped a new pod is refused (no admission decision); the server then shuts down cleanly.
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/enclave.sh"
trap 'st=$?; [ -n "$EPID" ] && kill -KILL "$EPID" 2>/dev/null; (exit $st); cleanup' EXIT
start_enclave

start_server --enclave "unix:$T/e.sock" --enclave-debug-root "$T/ca/ca.crt"

ready_node n1
ready_node n2
expect_out "two Ready nodes with allocatable cpu" "^n1 +Ready.*n2 +Ready" \
  bash -c "kubectl --cache-dir $T/cache get nodes --no-headers | tr '\n' ' '"

# wait_for DESC CMD...: retries CMD (10 s) until it succeeds.
wait_for() {
  local what=$1; shift
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "$what"
}
has_node() { [ -n "$(k get pod "$1" -o jsonpath='{.spec.nodeName}')" ]; }
has_event() { k get events --field-selector "involvedObject.name=$1" -o json | grep -q "$2"; }

k run web --image=nginx --restart=Never --overrides='{"spec":{"containers":[{"name":"web","image":"nginx","resources":{"requests":{"cpu":"500m","memory":"256Mi"}}}]}}' >/dev/null
wait_for "pod web was not bound: $(tail -n 5 "$T/server.log")" has_node web
NODE=$(k get pod web -o jsonpath='{.spec.nodeName}')
expect_out "web carries the enclave's admission proof" '"v":1,"request":"' \
  k get pod web -o jsonpath='{.metadata.annotations.daas\.io/admission-proof}'
[[ $NODE == n1 || $NODE == n2 ]] || fail "web bound to unknown node $NODE"
k get pod web -o json >"$T/web.json"
python3 - "$T/web.json" "$PK" "$NODE" <<'PY' || fail "the schedule proof does not verify"
import json, re, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
pod = json.load(open(sys.argv[1])); pk, node = sys.argv[2], sys.argv[3]
p = json.loads(pod["metadata"]["annotations"]["daas.io/schedule-proof"])
assert list(p) == ["v", "decision", "signature", "enclave", "pk"], p
assert p["v"] == 1 and re.fullmatch("[0-9a-f]{128}", p["signature"]) and p["pk"] == pk, p
dec = bytes.fromhex(p["decision"])
def s(x): x = x.encode(); return bytes([len(x)]) + x
assert dec.startswith(s(pod["metadata"]["uid"])), "decision is for another pod"
assert s(node) in dec, "decision names another node"
Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk)).verify(
    bytes.fromhex(p["signature"]), b"\x02" + dec[-8:] + dec)
PY
pass "pod web → $NODE with a schedule proof signed by the attested enclave key"
head -c 8 "$DATA/sched/decisions.log" | grep -q DAASDLG1 && [ "$(stat -c %s "$DATA/sched/decisions.log")" -gt 200 ] ||
  fail "no decision log in $DATA/sched/decisions.log"
pass "the decision log holds the deltas and the decision"
wait_for "no Scheduled event" has_event web '"reason": "Scheduled"'
expect_out "kubectl get events: Scheduled by daas-scheduler" \
  "Normal +Scheduled +pod/web +Successfully assigned default/web to $NODE" \
  k get events --field-selector involvedObject.name=web

k run big --image=nginx --restart=Never --overrides='{"spec":{"containers":[{"name":"big","image":"nginx","resources":{"requests":{"cpu":"100"}}}]}}' >/dev/null
wait_for "no FailedScheduling event for big" has_event big FailedScheduling
expect_out "a pod bigger than any node: FailedScheduling, kube-style reason" \
  "Warning +FailedScheduling +pod/big +0/2 nodes are available: 2 Insufficient cpu\." \
  k get events --field-selector involvedObject.name=big
[ -z "$(k get pod big -o jsonpath='{.spec.nodeName}')" ] || fail "big was bound"
expect_out "big stays Pending" "^Pending$" k get pod big -o jsonpath='{.status.phase}'

kill -TERM "$EPID"
st=0; wait "$EPID" || st=$?
EPID=
[ $st -eq 0 ] || fail "enclave exited with status $st"
# Pods are admitted by the enclave too (issue 9): without one a new pod is refused, fail
# closed, after the server waited for it (twice the call timeout), and nothing is stored.
expect_err "enclave stopped: a new pod is refused (503, no admission)" \
  'ServiceUnavailable.*admission: the scheduler enclave .* is not ready' \
  k run late --image=nginx --restart=Never
expect_err "and late was not stored" 'NotFound' k get pod late

stop_server || fail "the server did not shut down cleanly"
pass "server stops with status 0"

# The decision log of this real run replays: same decisions from the same deltas, signatures
# by the attested key; one altered byte inside a decision is caught.
expect_out "daas verify decisions passes on the run's log" '"ok": ?true' \
  "$DAAS_BIN" verify decisions "$DATA/sched/decisions.log" --pk "$PK"
expect_err "an untrusted key is refused" 'record' \
  "$DAAS_BIN" verify decisions "$DATA/sched/decisions.log" --pk "$(printf '%064d' 0)"
done_tests
