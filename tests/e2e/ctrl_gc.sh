#!/usr/bin/env bash
# ctrl_gc.sh: garbage collection through ownerReferences with the real kubectl, a real worker
# and the controllers of `daas server`: `kubectl delete deployment` (background: its
# ReplicaSet, then the ReplicaSet's pods, are collected), `--cascade=foreground` (the
# ReplicaSet is deleted in foreground too: its pods go first, then the ReplicaSet — held here
# by a finalizer of the test's until released — then the Deployment), `--cascade=orphan`
# (the ReplicaSet and its pods stay, the ReplicaSet without its reference to the Deployment). A Pod whose owner never existed is collected.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster

rs_of() { k get rs -l "app=$1" -o 'jsonpath={.items[*].metadata.name}'; }
pods_of() { k get pods -l "app=$1" -o 'jsonpath={.items[*].metadata.name}'; }
ready() { [ "$(k get deploy "$1" -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = "$2" ]; }
empty() { [ -z "$("$@" 2>/dev/null)" ]; }
gone() { ! k get "$@" >/dev/null 2>&1; }
deploy() { # NAME: a Deployment of 2 sleeping busybox pods, waited for until ready
  k create deployment "$1" --image="$IMG" --replicas=2 -- sh -c 'sleep 3600' >/dev/null
  wait_for "deployment $1 ready (2/2)" 120 ready "$1" 2
  [ "$(wc -w <<<"$(rs_of "$1")")" = 1 ] || fail "deployment $1: want one ReplicaSet, got '$(rs_of "$1")'"
}

# ---- background (kubectl's default cascade) ----
deploy bg
rs=$(rs_of bg)
k delete deployment bg >/dev/null
gone deployment bg || fail "deployment bg still there after kubectl delete"
wait_for "bg's ReplicaSet collected" 30 gone rs "$rs"
wait_for "bg's pods collected" 60 empty pods_of bg
pass "delete (background): the ReplicaSet, then its pods, are collected"

# ---- foreground ----
# Upstream's order: the ReplicaSet is deleted in foreground too (it has dependents), its
# pods go first, then the ReplicaSet (held here by a finalizer of the test's until then),
# then the Deployment.
deploy fg
rs=$(rs_of fg)
k patch rs "$rs" --type merge -p '{"metadata":{"finalizers":["e2e.daas.io/hold"]}}' >/dev/null
k delete deployment fg --cascade=foreground --wait=false >/dev/null
rs_fg() { k get rs "$rs" -o 'jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}' |
  grep -Eq 'foregroundDeletion.* [0-9]{4}-'; }
wait_for "fg's ReplicaSet is being deleted in foreground too" 30 rs_fg
expect_out "the Deployment waits for its ReplicaSet (foregroundDeletion finalizer, being deleted)" \
  '^\["foregroundDeletion"\] [0-9]{4}-' \
  k get deploy fg -o 'jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}'
wait_for "fg's pods go first" 60 empty pods_of fg
k get deploy fg >/dev/null 2>&1 || fail "the Deployment went before its ReplicaSet"
k get rs "$rs" >/dev/null 2>&1 || fail "the ReplicaSet went before its hold was released"
k patch rs "$rs" --type json -p '[{"op":"remove","path":"/metadata/finalizers/0"}]' >/dev/null
wait_for "fg's ReplicaSet goes once released" 30 gone rs "$rs"
wait_for "the Deployment goes once its dependents are gone" 30 gone deployment fg
pass "delete --cascade=foreground: the pods go first, then the ReplicaSet, then the Deployment"

# ---- orphan ----
deploy orph
rs=$(rs_of orph)
pods=$(pods_of orph)
k delete deployment orph --cascade=orphan >/dev/null
wait_for "deployment orph deleted" 30 gone deployment orph
no_owner() { [ -z "$(k get rs "$rs" -o 'jsonpath={.metadata.ownerReferences}')" ]; }
wait_for "orph's ReplicaSet loses its owner reference" 30 no_owner
sleep 2 # the collector has had its chance: nothing of orph goes
k get rs "$rs" >/dev/null || fail "orph's ReplicaSet was deleted"
[ "$(pods_of orph)" = "$pods" ] || fail "orph's pods changed: '$pods' → '$(pods_of orph)'"
for p in $pods; do
  [ "$(jp "$p" '{.metadata.ownerReferences[0].name}')" = "$rs" ] || fail "pod $p lost its ReplicaSet"
done
ready_rs() { [ "$(k get rs "$rs" -o 'jsonpath={.status.readyReplicas}')" = 2 ]; }
wait_for "the orphaned ReplicaSet still runs 2 ready pods" 30 ready_rs
pass "delete --cascade=orphan: the ReplicaSet and its pods stay, without the Deployment's reference"
k delete rs "$rs" >/dev/null
wait_for "the orphaned ReplicaSet's pods collected with it" 60 empty pods_of orph
pass "deleting the orphaned ReplicaSet takes its pods"

# ---- a dangling owner ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: stray
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: never, uid: 00000000-0000-0000-0000-00000000dead}
spec:
  containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep 3600"]}]
YAML
wait_for "an object whose owner never existed is collected" 60 gone pod stray
pass "an object whose owner uid exists nowhere is collected"

done_tests
