#!/usr/bin/env bash
# agent_pods.sh: the agent runs pods: `daas server --dev` (the debug scheduler enclave binds
# pods with signed proofs), a real registry on loopback (busybox image built with umoci,
# pushed with skopeo), a node-staked `daas agent` trusting the enclaves registered on chain.
# A pod from `kubectl run` is pulled, run with runc and reaches Succeeded with its output in
# the container's log; a missing image shows ErrImagePull; a pod bound by writing
# spec.nodeName (no proof) never starts and gets a FailedScheduleProof warning; SIGTERM stops
# the agent cleanly.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster


k run hello --image="$IMG" --restart=Never --command -- sh -c 'echo hi-from-the-pod; sleep 1' >/dev/null
wait_phase hello Succeeded 60 || fail "hello did not succeed"
pass "a kubectl-run pod ran to Succeeded"
expect_out "bound to the agent's node with a proof" '^w1 yes$' bash -c \
  "kubectl --cache-dir $T/cache get pod hello -o jsonpath='{.spec.nodeName}'; \
   kubectl --cache-dir $T/cache get pod hello -o jsonpath='{.metadata.annotations.daas\.io/schedule-proof}' | grep -q enclave && echo ' yes'"
grep -rq "hi-from-the-pod" "$T/agent/runtime/logs/" || fail "the container's output is not in its log"
pass "the container's output is in its log"
expect_out "container status: terminated, exit 0, runc id" '^0 Completed runc://' \
  k get pod hello -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].containerID}'

k run noimage --image="$REG/tools/nope:1" --restart=Never >/dev/null
for _ in $(seq 300); do
  r=$(k get pod noimage -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null)
  [ "$r" = ErrImagePull ] && break; sleep 0.1
done
[ "$r" = ErrImagePull ] || fail "a missing image did not show ErrImagePull (got '$r')"
pass "a missing image: ErrImagePull"

# A pod bound by writing spec.nodeName (no enclave decision, no proof) never starts.
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: forged}
spec:
  nodeName: w1
  restartPolicy: Never
  containers: [{name: c, image: "$IMG", command: [sh, -c, "echo forged-ran"]}]
YAML
for _ in $(seq 300); do
  k get events --field-selector involvedObject.name=forged -o 'jsonpath={.items[*].reason}' 2>/dev/null | grep -q FailedScheduleProof && break
  sleep 0.1
done
k get events --field-selector involvedObject.name=forged -o 'jsonpath={.items[*].reason}' | grep -q FailedScheduleProof ||
  fail "no FailedScheduleProof warning for the forged binding"
if grep -rq "forged-ran" "$T/agent/runtime/logs/" 2>/dev/null; then fail "the forged pod ran"; fi
[ "$(pod_phase forged)" != Running ] && [ "$(pod_phase forged)" != Succeeded ] || fail "the forged pod started"
pass "a binding without a proof never starts (Warning FailedScheduleProof)"

# Stopping and deleting running pods: e2e/agent_lifecycle.

stop_agent || fail "the agent did not exit cleanly"
pass "SIGTERM stops the agent"
done_tests
