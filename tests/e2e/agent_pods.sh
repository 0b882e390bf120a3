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

# The agent leaves running containers for its next start (adoption): the test removes them.
remove_containers() {
  local root=$T/agent/runtime/runc c
  for c in $(runc --root "$root" list -q 2>/dev/null); do runc --root "$root" delete --force "$c"; done
}
trap 'st=$?; set +e; stop_agent; remove_containers; stop_registry; (exit $st); cleanup' EXIT

busybox_image "$T/oci"
start_registry
skopeo copy --quiet "oci:$T/oci:1" "docker://$REG/tools/busybox:1" --dest-tls-verify=false >/dev/null
IMG=$REG/tools/busybox:1

start_server --dev --disable-agent --devnet-epoch-ms 1000
export DAAS_CHAIN=$DATA/devnet/chain.json DAAS_KEYSTORE=$T/wallets/sui.keystore
"$DAAS_BIN" sui keygen --alias w1 >/dev/null
timeout 60 "$DAAS_BIN" sui faucet --key w1 >/dev/null || fail "faucet"
timeout 60 "$DAAS_BIN" sui stake --key w1 --role node --amount 100 >/dev/null || fail "stake"

source "$(dirname "$0")/lib/agent.sh"
join_agent "$T/agent.log" --key w1 --node-name w1 --chain "$DATA/devnet/chain.json" \
  --insecure-registry "$REG" --max-grace 3
pass "the agent joined"

phase() { k get pod "$1" -o 'jsonpath={.status.phase}' 2>/dev/null; }
wait_phase() { # POD PHASE SECONDS
  for _ in $(seq $(($3 * 10))); do [ "$(phase "$1")" = "$2" ] && return 0; sleep 0.1; done
  echo "pod $1: phase $(phase "$1"), want $2"; tail -20 "$T/agent.log"; return 1
}

k run hello --image="$IMG" --restart=Never --command -- sh -c 'echo hi-from-the-pod; sleep 1' >/dev/null
wait_phase hello Succeeded 60 || { k get pod hello -o yaml | tail -40; cat $T/agent/runtime/logs/* 2>/dev/null; ls -R $T/agent/runtime | head -30; fail "hello did not succeed"; }
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
[ "$(phase forged)" != Running ] && [ "$(phase forged)" != Succeeded ] || fail "the forged pod started"
pass "a binding without a proof never starts (Warning FailedScheduleProof)"

# Stopping and deleting a running pod is not asserted here yet: the runtime's unit tests
# cover daas_rt_stop; the agent's deletion path is an open point (docs/agent.md).

stop_agent || fail "the agent did not exit cleanly"
pass "SIGTERM stops the agent"
done_tests
