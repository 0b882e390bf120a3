#!/usr/bin/env bash
# dev_agent.sh: `daas server --dev` runs an agent for its own host (as k3s's server does): the
# host's Node joins with a node-staked dev key, a pod with the busybox:dev image (imported as
# `make dev` does, no registry) is scheduled on it by the debug enclave, runs, shows its
# output in `kubectl logs`, and goes on delete; stopping the server stops its agent.
source "$(dirname "$0")/lib/common.sh"

mkdir -p "$DATA/agent"
"$(dirname "$0")/../../scripts/busybox-image.sh" "$T/busybox.tar" dev || fail "building the busybox image"
"$DAAS_BIN" image import "$T/busybox.tar" --name busybox --store "$DATA/agent/images" >/dev/null ||
  fail "importing the image"
pass "busybox:dev imported into the dev agent's store"

drain() { # the pods go before the server (the agent leaves containers to its next start)
  k delete pods --all --wait=true --timeout=60s >/dev/null 2>&1
}
trap 'st=$?; set +e; [ -n "$SERVER_PID" ] && drain; (exit $st); cleanup' EXIT
start_server --dev --devnet-epoch-ms 1000

node=
for _ in $(seq 600); do
  node=$(k get nodes -o 'jsonpath={.items[?(@.status.conditions[-1].status=="True")].metadata.name}' 2>/dev/null)
  [ -n "$node" ] && break; sleep 0.1
done
[ -n "$node" ] || { tail -20 "$DATA/agent.log"; fail "the dev agent's Node never became Ready"; }
pass "the host's Node $node joined and is Ready"
expect_out "its owner is the dev node key, with node-tier stake" '^0x[0-9a-f]{64} [1-9][0-9]*$' \
  k get node "$node" -o 'jsonpath={.metadata.annotations.daas\.io/owner} {.metadata.annotations.daas\.io/stake}'

k run hello --image=busybox:dev --image-pull-policy=IfNotPresent --restart=Never \
  --command -- sh -c 'echo hello-from-dev; sleep 3600' >/dev/null
for _ in $(seq 300); do
  [ "$(k get pod hello -o 'jsonpath={.status.phase}')" = Running ] && break; sleep 0.1
done
expect_out "the pod runs on the host's node" "^Running $node\$" \
  k get pod hello -o 'jsonpath={.status.phase} {.spec.nodeName}'
for _ in $(seq 50); do k logs hello 2>/dev/null | grep -q hello-from-dev && break; sleep 0.1; done
expect_out "kubectl logs shows its output" '^hello-from-dev$' k logs hello
expect_out "kubectl delete waits for the agent and returns" 'pod "hello" deleted' \
  k delete pod hello --grace-period=2 --timeout=30s
expect_err "the pod is gone" 'NotFound' k get pod hello

stop_server || fail "the server did not stop cleanly"
for _ in $(seq 100); do pgrep -f "agent --server https://127.0.0.1:$PORT " >/dev/null || break; sleep 0.1; done
if pgrep -f "agent --server https://127.0.0.1:$PORT " >/dev/null; then fail "the agent outlived the server"; fi
pass "stopping the server stops its agent"
done_tests
