#!/usr/bin/env bash
# Graceful deletion of pods, as the kubelet and kube-apiserver share it: a pod on a Node whose
# agent is alive (fresh Lease) is only marked (deletionTimestamp in now+grace,
# deletionGracePeriodSeconds) and disappears when the agent deletes it with grace 0; a pod on
# a Node without a live agent, or deleted with --force --grace-period=0, goes at once; a second
# delete may shorten the grace but not lengthen it. (The agent's side: e2e/agent_lifecycle.)
source "$(dirname "$0")/lib/common.sh"
start_server

ready_node live
ready_node dead
now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
k apply -f - >/dev/null <<EOF
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: live, namespace: kube-node-lease}
spec: {holderIdentity: live, leaseDurationSeconds: 40, renewTime: "$now"}
EOF
pod() { # NAME NODE GRACE
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $2
  terminationGracePeriodSeconds: $3
  containers: [{name: c, image: busybox}]
EOF
}
pod p-live live 60
pod p-dead dead 60
pod p-force live 60
pod p-short live 60

expect_out "delete on a dead node removes at once" 'pod "p-dead" deleted' k delete pod p-dead --wait=false
expect_err "p-dead is gone" 'NotFound' k get pod p-dead
expect_out "delete on a live node returns the marked pod" 'pod "p-live" deleted' k delete pod p-live --wait=false
expect_out "p-live stays, marked with the pod's grace" '^60 [0-9]{4}-' \
  k get pod p-live -o 'jsonpath={.metadata.deletionGracePeriodSeconds} {.metadata.deletionTimestamp}'
ts1=$(k get pod p-live -o 'jsonpath={.metadata.deletionTimestamp}')
expect_out "a longer grace does not extend it" 'deleted' k delete pod p-live --wait=false --grace-period=600
expect_out "deletionTimestamp unchanged" "^$ts1\$" k get pod p-live -o 'jsonpath={.metadata.deletionTimestamp}'
expect_out "a shorter grace shortens it" 'deleted' k delete pod p-live --wait=false --grace-period=5
expect_out "grace now 5" '^5$' k get pod p-live -o 'jsonpath={.metadata.deletionGracePeriodSeconds}'
uid=$(k get pod p-live -o jsonpath='{.metadata.uid}')
out=$(api DELETE /api/v1/namespaces/default/pods/p-live -H 'Content-Type: application/json' \
  -d "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"$uid\"}}")
[ "${out##*$'\n'}" = 200 ] || { echo "$out"; fail "final delete: want 200"; }
pass "the node's final delete (grace 0, uid precondition) answers 200"
expect_err "p-live is gone" 'NotFound' k get pod p-live
expect_out "--force --grace-period=0 removes at once" 'force deleted' k delete pod p-force --force --grace-period=0
expect_err "p-force is gone" 'NotFound' k get pod p-force
expect_status "a bad gracePeriodSeconds is a 400" 400 BadRequest DELETE \
  '/api/v1/namespaces/default/pods/p-short?gracePeriodSeconds=abc'
expect_out "p-short untouched by the bad request" '^$' k get pod p-short -o 'jsonpath={.metadata.deletionTimestamp}'
done_tests
