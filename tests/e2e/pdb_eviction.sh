#!/usr/bin/env bash
# pdb_eviction.sh: policy/v1 PodDisruptionBudgets and the pods/eviction subresource with the
# real agent running the pods: `kubectl create pdb` (a protobuf body), `get pdb` (ALLOWED
# DISRUPTIONS from the disruption controller), `describe pdb`, bad PDBs refused with
# upstream's 422 messages, an eviction refused with upstream's 429 while the budget is used
# up, one allowed after `kubectl patch pdb` (the budget is spent before the pod goes, and a
# second eviction is refused until the Deployment's replacement is Ready), and `kubectl
# drain` evicting only as the budget allows, then finishing once the budget is loosened.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster

pdbj() { k get pdb web -o "jsonpath=$1" 2>/dev/null; }
# running pods of app=web not being deleted
live_pods() {
  k get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{.status.phase}{"\n"}{end}' |
    awk -F'|' '$2 == "" && $3 == "Running" {print $1}'
}
evict() { # POD: the Eviction POST; prints the body, then the HTTP status
  api POST "/api/v1/namespaces/default/pods/$1/eviction" -H 'Content-Type: application/json' \
    -d "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"default\"}}"
}
status_is() { # ALLOWED CURRENT DESIRED EXPECTED: the controller's status, current generation
  [ "$(pdbj '{.status.observedGeneration}')" = "$(pdbj '{.metadata.generation}')" ] &&
    [ "$(pdbj '{.status.disruptionsAllowed}/{.status.currentHealthy}/{.status.desiredHealthy}/{.status.expectedPods}')" = "$1/$2/$3/$4" ]
}
rollout() {
  timeout 55 kubectl --cache-dir "$T/cache" rollout status deployment/web --timeout=50s >/dev/null && return 0
  k get pods -o wide >&2; tail -5 "$AGENT_LOG" >&2; return 1
}

# ---- bad PDBs ----
expect_err "a PDB with both minAvailable and maxUnavailable is refused" \
  'is invalid: spec: Invalid value: policy.PodDisruptionBudgetSpec\{.*\}: minAvailable and maxUnavailable cannot be both set' \
  k apply -f - <<'EOF'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: both}
spec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {app: web}}}
EOF
expect_err "a negative minAvailable is refused" \
  'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0' \
  k apply -f - <<'EOF'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: neg}
spec: {minAvailable: -1, selector: {matchLabels: {app: web}}}
EOF
expect_err "a percentage over 100% is refused (kubectl create, protobuf)" \
  'spec.maxUnavailable: Invalid value: intstr.IntOrString\{Type:1, IntVal:0, StrVal:"120%"\}: must not be greater than 100%' \
  k create pdb pct --selector=app=web --max-unavailable=120%
out=$(api POST /apis/policy/v1/namespaces/default/poddisruptionbudgets -H 'Content-Type: application/json' \
  -d '{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"neg"},"spec":{"maxUnavailable":-2}}')
[ "${out##*$'\n'}" = 422 ] && grep -q '"reason":"Invalid"' <<<"$out" &&
  grep -q 'spec.maxUnavailable: Invalid value: -2: must be greater than or equal to 0' <<<"$out" ||
  { echo "$out"; fail "a negative maxUnavailable is a 422 Invalid"; }
pass "a negative maxUnavailable is a 422 Invalid"

# ---- a Deployment of 3 and a budget that allows nothing ----
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
      terminationGracePeriodSeconds: 2
      containers:
      - name: c
        image: $IMG
        command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
EOF
rollout || fail "the deployment of 3 rolls out"
pass "a deployment of 3 busybox pods is ready"
expect_out "kubectl create pdb --min-available=3" 'poddisruptionbudget.policy/web created' \
  k create pdb web --selector=app=web --min-available=3
wait_for "the controller fills the PDB's status (3 healthy of 3)" 20 status_is 0 3 3 3
expect_out "kubectl get pdb: upstream's columns" '^NAME +MIN AVAILABLE +MAX UNAVAILABLE +ALLOWED DISRUPTIONS +AGE$' k get pdb
expect_out "kubectl get pdb: ALLOWED DISRUPTIONS 0" '^web +3 +N/A +0 +[0-9]+s$' k get pdb
[ "$(pdbj '{.status.conditions[0].type}/{.status.conditions[0].status}/{.status.conditions[0].reason}')" = \
  DisruptionAllowed/False/InsufficientPods ] || fail "condition DisruptionAllowed False InsufficientPods"
pass "condition DisruptionAllowed False / InsufficientPods"

read -r P1 P2 P3 <<<"$(live_pods | tr '\n' ' ')"
[ -n "$P3" ] || fail "three live pods"
out=$(evict "$P1")
[ "${out##*$'\n'}" = 429 ] || { echo "$out"; fail "the eviction is a 429"; }
python3 - "$out" <<'PY' || fail "the 429 Status is upstream's"
import json, sys
s = json.loads(sys.argv[1].rsplit('\n', 1)[0])
assert s['kind'] == 'Status' and s['status'] == 'Failure' and s['code'] == 429, s
assert s['reason'] == 'TooManyRequests', s
assert s['message'] == "Cannot evict pod as it would violate the pod's disruption budget.", s
assert s['details']['causes'] == [{'reason': 'DisruptionBudget',
    'message': 'The disruption budget web needs 3 healthy pods and has 3 currently'}], s
PY
pass "an eviction against a used-up budget: 429 TooManyRequests with the DisruptionBudget cause"
[ "$(live_pods | wc -l)" = 3 ] || fail "the refused eviction deleted nothing"
expect_err "kubectl drain --timeout=5s fails on the budget" \
  "Cannot evict pod as it would violate the pod's disruption budget" \
  k drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=5s
[ "$(live_pods | wc -l)" = 3 ] || fail "the failed drain evicted nothing"
k uncordon w1 >/dev/null

# ---- minAvailable 2: one eviction, then none until the replacement is Ready ----
k patch pdb web --type=merge -p '{"spec":{"minAvailable":2}}' >/dev/null
wait_for "after the patch the controller allows 1 disruption" 20 status_is 1 3 2 3
expect_out "kubectl get pdb: ALLOWED DISRUPTIONS 1" '^web +2 +N/A +1 ' k get pdb web --no-headers
describe() { k describe pdb web | tr -s ' \n' ' '; }
expect_out "kubectl describe pdb" \
  'Min available: 2 Selector: app=web Status: Allowed disruptions: 1 Current: 3 Desired: 2 Total: 3 ' describe
timeout 30 kubectl --cache-dir "$T/cache" get pod "$P1" --watch -o json >"$T/p1.watch" 2>/dev/null &
WATCH=$!
sleep 1
out=$(evict "$P1")
[ "${out##*$'\n'}" = 201 ] && grep -q '"status":"Success"' <<<"$out" || { echo "$out"; fail "the eviction is a 201 Success"; }
pass "an eviction within the budget: 201 Success"
out=$(evict "$P2")
[ "${out##*$'\n'}" = 429 ] || { echo "$out"; fail "a second immediate eviction is a 429"; }
pass "a second immediate eviction is refused (429)"
gone() { ! k get pod "$1" >/dev/null 2>&1; }
wait_for "the evicted pod is deleted" 20 gone "$P1"
kill "$WATCH" 2>/dev/null || true
wait "$WATCH" 2>/dev/null || true
grep -q '"reason": "EvictionByEvictionAPI"' "$T/p1.watch" || { tail -40 "$T/p1.watch"; fail "the evicted pod got the DisruptionTarget condition"; }
pass "the evicted pod got the condition DisruptionTarget (EvictionByEvictionAPI) before it went"
rollout || fail "the replacement becomes Ready"
wait_for "with the replacement Ready the budget allows 1 again" 20 status_is 1 3 2 3
[ -z "$(pdbj '{.status.disruptedPods}')" ] || fail "disruptedPods is emptied once the pod is gone"
pass "the replacement is Ready: 1 disruption allowed again, disruptedPods empty"

# ---- drain with maxUnavailable 1: one pod at a time, done once the budget allows ----
k patch pdb web --type=merge -p '{"spec":{"minAvailable":null,"maxUnavailable":1}}' >/dev/null
wait_for "maxUnavailable 1: expected pods from the Deployment's scale" 20 status_is 1 3 2 3
timeout 70 kubectl --cache-dir "$T/cache" drain w1 --ignore-daemonsets --delete-emptydir-data \
  --timeout=60s >"$T/drain.log" 2>&1 &
DRAIN=$!
blocked() { grep -q "Cannot evict pod as it would violate" "$T/drain.log"; }
wait_for "drain evicts one pod, then waits on the budget" 30 blocked
[ "$(grep -c 'evicted$' "$T/drain.log")" -le 1 ] || { cat "$T/drain.log"; fail "drain evicted more than the budget"; }
[ "$(live_pods | wc -l)" -ge 2 ] || fail "drain kept 2 pods running"
pass "drain respects maxUnavailable 1 (the node is cordoned: no replacement can run)"
k patch pdb web --type=merge -p '{"spec":{"maxUnavailable":"100%"}}' >/dev/null
wait "$DRAIN" || { cat "$T/drain.log"; fail "drain finishes once the budget allows"; }
grep -q 'node/w1 drained' "$T/drain.log" || { cat "$T/drain.log"; fail "drain reports the node drained"; }
[ "$(live_pods | wc -l)" = 0 ] || fail "no pod of the deployment runs on the drained node"
pass "kubectl drain finishes once the budget allows (node/w1 drained)"

expect_out "kubectl delete pdb" 'poddisruptionbudget.policy "web" deleted' k delete pdb web

# ---- the Eviction body: its name, its deleteOptions, policy/v1beta1 ----
P=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
[ "$(pod_phase "$P")" = Pending ] || fail "replacements wait (Pending) on the cordoned node"
body() { echo "{\"apiVersion\":\"policy/v1beta1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"$1\"}$2}"; }
expect_status "an Eviction named unlike the URL is a 400" 400 BadRequest \
  POST "/api/v1/namespaces/default/pods/$P/eviction" -H 'Content-Type: application/json' -d "$(body other '')"
out=$(api POST "/api/v1/namespaces/default/pods/$P/eviction" -H 'Content-Type: application/json' \
  -d "$(body "$P" ',"deleteOptions":{"preconditions":{"uid":"nope"}}')")
[ "${out##*$'\n'}" = 409 ] && grep -q "Operation cannot be fulfilled on Pod \\\\\"$P\\\\\": the UID in the precondition (nope) does not match the UID in record" <<<"$out" ||
  { echo "$out"; fail "the Eviction's preconditions apply to the deletion (409)"; }
k get pod "$P" >/dev/null 2>&1 || fail "a failed precondition deletes nothing"
pass "the Eviction's deleteOptions preconditions are honoured (409, pod kept)"
out=$(api POST "/api/v1/namespaces/default/pods/$P/eviction" -H 'Content-Type: application/json' \
  -d "$(body "$P" ',"deleteOptions":{"gracePeriodSeconds":0}')")
[ "${out##*$'\n'}" = 201 ] || { echo "$out"; fail "a Pending pod is evicted without a budget (v1beta1)"; }
! k get pod "$P" >/dev/null 2>&1 || fail "the evicted Pending pod is gone"
pass "a policy/v1beta1 Eviction of a Pending pod deletes it at once (201)"
done_tests
