#!/usr/bin/env bash
# ctrl_nodes.sh: the workload controllers over two real workers (lib/nodes.sh), with the
# server's node monitor grace period at 15 s and the unreachable toleration at 5 s: a
# DaemonSet gets one Running pod on each node; `kubectl create deployment --replicas=4`
# spreads over both; `kill -9` of w2's agent turns w2 NotReady (Ready Unknown) with the
# unreachable NoSchedule and NoExecute taints and a NodeNotReady Event, its Deployment pods
# are evicted (TaintManagerEviction Events) and replaced on w1 (4/4 ready again) while the
# DaemonSet's pod, which tolerates the taint, stays; started again, w2 is Ready and untainted;
# SIGSTOP of w2's agent turns it NotReady, SIGCONT Ready again within one Lease period.
# The grace period is 15 s rather than 10 s: the agent renews its Lease every 10 s, and
# renewTime is compared at second precision, so 10 s would flap on a healthy node.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
source "$(dirname "$0")/lib/nodes.sh"
nodes_cluster 2 --node-monitor-grace-period 15s --default-unreachable-toleration-seconds 5

node_status() { k get node "$1" --no-headers 2>/dev/null | awk '{print $2}'; }
is_status() { [ "$(node_status "$1")" = "$2" ]; }
# on NODE APP: names of the pods of app=APP bound to NODE, not being deleted, phase Running
on() {
  k get pods -l "app=$2" -o json | python3 -c '
import json, sys
node = sys.argv[1]
for p in json.load(sys.stdin)["items"]:
    if p["spec"].get("nodeName") == node and "deletionTimestamp" not in p["metadata"] \
            and p.get("status", {}).get("phase") == "Running":
        print(p["metadata"]["name"])' "$1"
}
count_on() { on "$1" "$2" | wc -l; }
ready() { [ "$(k get deploy "$1" -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = "$2" ]; }

wait_for "both nodes Ready" 30 eval 'is_status w1 Ready && is_status w2 Ready'
pass "kubectl get nodes: w1 and w2 Ready"

# ---- a DaemonSet: one Running pod per node ----
k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agentd}
spec:
  selector: {matchLabels: {app: agentd}}
  template:
    metadata: {labels: {app: agentd}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep 3600"]}]
YAML
ds_ready() {
  [ "$(k get ds agentd -o 'jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}')" = 2/2 ] &&
    [ "$(count_on w1 agentd)" = 1 ] && [ "$(count_on w2 agentd)" = 1 ]
}
wait_for "the DaemonSet runs one pod on each node" 120 ds_ready
ds_w2=$(on w2 agentd)
pass "DaemonSet: one Running pod on w1, one on w2 (2/2 ready)"

# ---- a Deployment of 4 over both nodes ----
k create deployment web --image="$IMG" --replicas=4 -- sh -c 'sleep 3600' >/dev/null
wait_for "web 4/4 ready" 120 ready web 4
n1=$(count_on w1 web) n2=$(count_on w2 web)
[ "$n1" -ge 1 ] && [ "$n2" -ge 1 ] && [ $((n1 + n2)) = 4 ] ||
  fail "web is not spread over both nodes: w1 $n1, w2 $n2"
web_w2=$(on w2 web)
pass "kubectl create deployment --replicas=4: 4/4 ready, $n1 on w1, $n2 on w2"

# ---- w2's agent dies ----
node_kill w2
wait_for "w2 NotReady" 60 is_status w2 NotReady
expect_out "w2's Ready condition is Unknown (NodeStatusUnknown)" '^Unknown NodeStatusUnknown$' \
  k get node w2 -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}'
taints() { k get node "$1" -o 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}'; }
tainted() { taints w2 | grep -q 'node.kubernetes.io/unreachable:NoExecute' &&
  taints w2 | grep -q 'node.kubernetes.io/unreachable:NoSchedule'; }
wait_for "w2 tainted unreachable (NoSchedule, NoExecute)" 30 tainted
is_status w1 Ready || fail "w1 is $(node_status w1)"
[ -z "$(taints w1)" ] || fail "w1 is tainted: $(taints w1)"
pass "kill -9 of w2's agent: w2 NotReady with the unreachable taints, w1 Ready and untainted"

events_for() { # REASON NAME: Events of that reason about NAME (any namespace)
  k get events -A --field-selector "reason=$1,involvedObject.name=$2" -o name 2>/dev/null
}
wait_for "a NodeNotReady Event for w2" 30 eval '[ -n "$(events_for NodeNotReady w2)" ]'
evicted() {
  local p
  for p in $web_w2; do [ -n "$(events_for TaintManagerEviction "$p")" ] || return 1; done
}
wait_for "TaintManagerEviction Events for w2's web pods" 60 evicted
back() { ready web 4 && [ "$(count_on w1 web)" = 4 ]; }
wait_for "web back to 4/4 ready, all on w1" 120 back
pass "w2's web pods evicted (TaintManagerEviction), replaced on w1: 4/4 ready"
ds_there() { [ -z "$(k get pod "$ds_w2" -o 'jsonpath={.metadata.deletionTimestamp}')" ]; }
ds_there || fail "the DaemonSet's pod on w2 was evicted"
[ -z "$(events_for TaintManagerEviction "$ds_w2")" ] || fail "the DaemonSet's pod got an eviction Event"
pass "the DaemonSet's pod on w2 tolerates the taint: not evicted"

# ---- w2 comes back ----
node_start w2
wait_for "w2 Ready again" 60 is_status w2 Ready
untainted() { [ -z "$(taints w2)" ]; }
wait_for "w2's taints removed" 30 untainted
gone_pods() { local p; for p in $web_w2; do ! k get pod "$p" >/dev/null 2>&1 || return 1; done; }
wait_for "the evicted pods finished on w2" 60 gone_pods
ready web 4 || fail "web is not 4/4 ready after w2 came back"
pass "w2's agent restarted: Ready, taints removed, the evicted pods gone, web still 4/4"

# ---- w2's agent is stopped, then continues (a partition, not a restart) ----
# Back from a gap, the agent posts its Node status at once instead of at its next 60 s
# status tick, so Ready returns within one Lease period.
kill -STOP "${NODE_PID[w2]}"
wait_for "w2 NotReady while its agent is stopped" 60 is_status w2 NotReady
kill -CONT "${NODE_PID[w2]}"
wait_for "w2 Ready within 20 s of its agent continuing" 20 is_status w2 Ready
pass "a stopped agent that continues makes its node Ready again at its next heartbeat"

done_tests
