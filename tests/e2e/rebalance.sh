#!/usr/bin/env bash
# rebalance.sh: issue 9's rebalancing, end to end on `daas server --dev` (devnet, debug
# enclave, the host's agent with runc) plus a second real agent joined with its own stake:
# three running pods of a Deployment overload the first node; the enclave's signed plan (a
# dry run) moves pods off it, but only as many as the Deployment's PodDisruptionBudget allows;
# the plan's intent-5 signature verifies independently (Python); a plan altered by one byte,
# or with another timestamp, is refused with 403 and evicts nothing; the plan as signed is
# executed through the eviction API: the pod gets a Rebalance event carrying the plan's proof,
# the budget is spent, the replacement lands on the second node; executing it again finds the
# pod gone; `daas verify decisions` replays the plans; a periodic round runs.
source "$(dirname "$0")/lib/common.sh"

mkdir -p "$DATA/agent" "$T/agent/images"
"$(dirname "$0")/../../scripts/busybox-image.sh" "$T/busybox.tar" dev || fail "building the busybox image"
for store in "$DATA/agent/images" "$T/agent/images"; do
  "$DAAS_BIN" image import "$T/busybox.tar" --name busybox --store "$store" >/dev/null ||
    fail "importing the image"
done

drain() { k delete deploy --all --wait=true --timeout=60s >/dev/null 2>&1; k delete pods --all --wait=true --timeout=60s >/dev/null 2>&1; }
trap 'st=$?; set +e; [ -n "$SERVER_PID" ] && drain; stop_agent 2>/dev/null; (exit $st); cleanup' EXIT
start_server --dev --devnet-epoch-ms 1000 --rebalance-interval 1h
source "$(dirname "$0")/lib/agent.sh"
N1=
for _ in $(seq 600); do
  N1=$(k get nodes -o 'jsonpath={.items[?(@.status.conditions[-1].status=="True")].metadata.name}' 2>/dev/null)
  [ -n "$N1" ] && break; sleep 0.1
done
[ -n "$N1" ] || { tail -20 "$DATA/agent.log"; fail "the dev agent's Node never became Ready"; }

# wait_for DESC SECONDS CMD...: retries CMD until it succeeds.
wait_for() {
  local what=$1 n=$2; shift 2
  for _ in $(seq $((n * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what"
}
ready_pods() { [ "$(k get pods -l app=web -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -eq "$1" ]; }
# rebalance BODY: POST /daas/v1/rebalance; the answer in $T/ans.json, the status echoed.
rebalance() { api POST /daas/v1/rebalance -H 'Content-Type: application/json' -d "$1" >"$T/ans.raw"; head -n -1 "$T/ans.raw" >"$T/ans.json"; tail -n 1 "$T/ans.raw"; }

# ---- one node, overloaded: 3 pods of 28% of its cpu each (84%) ----
CPU=$(( $(nproc) * 280 ))m
k apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: web, image: "busybox:dev", command: [sleep, "3600"], resources: {requests: {cpu: "$CPU", memory: 64Mi}}}
EOF
k create poddisruptionbudget web --selector=app=web --min-available=2 >/dev/null
wait_for "the three pods never became Ready on $N1: $(k get pods -o wide 2>&1)" 90 ready_pods 3
expect_out "all three run on $N1" "^$N1 $N1 $N1 \$" \
  k get pods -l app=web -o 'jsonpath={range .items[*]}{.spec.nodeName}{" "}{end}'
wait_for "the budget never allowed one disruption" 30 \
  bash -c "[ \"\$(kubectl --cache-dir $T/cache get pdb web -o 'jsonpath={.status.disruptionsAllowed}')\" = 1 ]"

[ "$(rebalance '{"thresholdPercent":50}')" = 200 ] || fail "dry run: $(cat "$T/ans.json")"
expect_out "with nowhere to go, the enclave plans nothing" '^0$' \
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["evictions"]))' "$T/ans.json"

# ---- a second node joins with its own stake ----
export DAAS_CHAIN=$DATA/devnet/chain.json DAAS_KEYSTORE=$T/wallets/sui.keystore
"$DAAS_BIN" sui keygen --alias w1 >/dev/null
timeout 60 "$DAAS_BIN" sui faucet --key w1 >/dev/null || fail "faucet"
timeout 60 "$DAAS_BIN" sui stake --key w1 --role node --amount 100 >/dev/null || fail "stake"
join_agent "$T/agent.log" --key w1 --node-name w1 --chain "$DATA/devnet/chain.json" \
  --image-store "$T/agent/images"
wait_for "w1 never became Ready" 30 \
  bash -c "kubectl --cache-dir $T/cache get node w1 --no-headers | grep -q ' Ready'"

# ---- the dry run: a signed plan within the budget ----
expect_out "daas rebalance --dry-run prints the signed plan and its one eviction" \
  "^plan [0-9]+ signed by enclave [0-9a-f]{16}.* 1 eviction\(s\).*NAMESPACE +POD +NODE +REASON +SCORE +RESULT.*default +web-[^ ]+ +$N1 +Overloaded +[0-9]+ +Planned.*dry run: nothing was evicted\$" \
  bash -c "'$DAAS_BIN' rebalance --dry-run --threshold 50 | tr '\n' ' ' | sed 's/ \$//'"
"$DAAS_BIN" rebalance --dry-run --threshold 50 -o json >"$T/plan1.json" || fail "daas rebalance -o json"
python3 - "$T/plan1.json" "$N1" <<'PY' || fail "the dry run's plan is not what it should be: $(cat "$T/plan1.json")"
import json, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
a = json.load(open(sys.argv[1])); n1 = sys.argv[2]
assert a["kind"] == "RebalanceResult" and a["dryRun"] is True, a
ev = a["evictions"]
# 84% on n1 needs two evictions to get under 50%, the budget allows one
assert len(ev) == 1, ev
e = ev[0]
assert e["node"] == n1 and e["reason"] == "Overloaded" and e["result"] == "Planned", e
assert e["name"].startswith("web-") and e["score"] > 0, e
p = a["plan"]
plan = bytes.fromhex(p["plan"])
assert e["uid"].encode() in plan and e["name"].encode() in plan, "the plan names another pod"
Ed25519PublicKey.from_public_bytes(bytes.fromhex(p["pk"])).verify(
    bytes.fromhex(p["signature"]), b"\x05" + struct.pack("<Q", p["timestampMs"]) + plan)
PY
VICTIM=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["evictions"][0]["name"])' "$T/plan1.json")
pass "a dry run gives one eviction of $VICTIM off $N1 (the budget allows one), signed by the enclave (intent 5)"
expect_out "a dry run evicts nothing" '^3$' bash -c "kubectl --cache-dir $T/cache get pods -l app=web --no-headers | wc -l"

# ---- altered plans are refused ----
python3 - "$T/plan1.json" "$T" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); t = sys.argv[2]
p = a["plan"]; plan = bytes.fromhex(p["plan"]); name = a["evictions"][0]["name"].encode()
other = name[:-1] + (b"x" if name[-1:] != b"x" else b"y")
q = dict(p, plan=plan.replace(name, other).hex())
json.dump({"apply": True, "plan": q}, open(t + "/altered.json", "w"))
json.dump({"apply": True, "plan": dict(p, timestampMs=p["timestampMs"] + 1)}, open(t + "/retimed.json", "w"))
json.dump({"apply": True, "plan": dict(p, plan=p["plan"][:-2])}, open(t + "/cut.json", "w"))
json.dump({"apply": True, "plan": p}, open(t + "/apply.json", "w"))
PY
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["plan"]))' "$T/altered.json" >"$T/altered-plan.json"
expect_code "daas rebalance --apply --plan with an altered plan: one line, exit 1" 1 \
  "^daas rebalance: rebalance plan: the enclave's signature does not verify" \
  "$DAAS_BIN" rebalance --apply --plan "$T/altered-plan.json"
for f in altered retimed; do
  [ "$(rebalance "$(cat "$T/$f.json")")" = 403 ] || fail "the $f plan was not refused: $(cat "$T/ans.json")"
  grep -q "the enclave's signature does not verify" "$T/ans.json" || fail "$f: $(cat "$T/ans.json")"
done
[ "$(rebalance "$(cat "$T/cut.json")")" = 400 ] || fail "a cut plan: $(cat "$T/ans.json")"
expect_out "the altered plans evicted nothing" "^3 $VICTIM\$" bash -c \
  "echo \$(kubectl --cache-dir $T/cache get pods -l app=web --no-headers | wc -l) \$(kubectl --cache-dir $T/cache get pod $VICTIM -o jsonpath='{.metadata.name}')"
pass "a plan altered in one byte, or re-timed, is refused with 403; a cut one with 400"

# ---- the signed plan is executed ----
expect_out "daas rebalance --apply --plan executes the dry run's plan" "default +$VICTIM +$N1 +Overloaded +[0-9]+ +Evicted" \
  "$DAAS_BIN" rebalance --apply --plan "$T/plan1.json"
k get events --field-selector "involvedObject.name=$VICTIM,reason=Rebalance" -o json >"$T/ev.json"
python3 - "$T/ev.json" "$T/plan1.json" <<'PY' || fail "no Rebalance event with the plan's proof: $(cat "$T/ev.json")"
import json, sys
evs = json.load(open(sys.argv[1]))["items"]; plan = json.load(open(sys.argv[2]))["plan"]
assert len(evs) == 1, evs
proof = json.loads(evs[0]["metadata"]["annotations"]["daas.io/rebalance-proof"])
assert proof == plan, (proof, plan)
assert evs[0]["source"]["component"] == "daas-rebalancer" and "round %d" % plan["round"] in evs[0]["message"], evs[0]
PY
pass "the eviction carries the plan's proof in a Rebalance event"
# until the replacement runs on w1, at least minAvailable (2) pods stay Ready throughout
low=
for _ in $(seq 300); do
  pods=$(k get pods -l app=web -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\n"}{end}')
  ready=$(awk '$3 == "True" && $4 == "" {n++} END {print n+0}' <<<"$pods")
  [ "$ready" -ge 2 ] || low="$low|$ready"
  grep -q "^$VICTIM " <<<"$pods" || [ "$(awk '$2 == "w1" && $3 == "True" {n++} END {print n+0}' <<<"$pods")" != 1 ] || break
  sleep 0.2
done
grep -q "^$VICTIM " <<<"$pods" && fail "$VICTIM was not deleted: $pods"
[ "$(awk '$2 == "w1" && $3 == "True" {n++} END {print n+0}' <<<"$pods")" = 1 ] || fail "the replacement is not Ready on w1: $pods"
[ -z "$low" ] || fail "fewer than minAvailable Ready pods during the move ($low)"
pass "$VICTIM left $N1; its replacement runs on w1; at least 2 pods stayed Ready throughout"

[ "$(rebalance "$(cat "$T/apply.json")")" = 200 ] || fail "apply again: $(cat "$T/ans.json")"
expect_out "executing the same plan again finds the pod gone" '^Gone$' \
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["evictions"][0]["result"])' "$T/ans.json"

# ---- replay ----
"$DAAS_BIN" verify decisions "$DATA/sched/decisions.log" >"$T/verify.json" ||
  fail "daas verify decisions: $(cat "$T/verify.json")"
expect_out "the replay checked the plans" '^True [2-9]' \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["ok"], r["plans"])' "$T/verify.json"

# ---- the periodic round ----
drain
stop_agent || true
stop_server || fail "the server did not stop cleanly"
start_server --dev --devnet-epoch-ms 1000 --rebalance-interval 2s
wait_for "no periodic round within 60 s: $(grep rebalanc "$T/server.log" | tail -3)" 60 \
  grep -q "periodic round: 0 of 0 planned eviction(s) done" "$T/server.log"
pass "with --rebalance-interval 2s the leader runs rounds on its own"
done_tests
