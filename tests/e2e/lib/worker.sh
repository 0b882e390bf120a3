# worker.sh: a cluster with one real worker, for the agent's end-to-end tests (source after
# common.sh and registry.sh):
# worker_cluster [AGENT FLAGS...]: a real registry on loopback holding the busybox image
#   ($IMG; registry.sh), `daas server --dev --disable-agent` (devnet, Seal key servers, debug
#   scheduler enclave), a node-staked key w1, and `daas agent` joined as node w1 trusting the
#   chain's enclaves, pulling $REG over http, grace capped at 3 s, plus the given flags
#   (AGENT_ARGS, log in $AGENT_LOG). The EXIT trap stops the agent, removes its containers
#   (the agent leaves them for its next start), and stops the registry.
# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds, else the agent's log and FAIL.
# jp POD JSONPATH, pod_phase POD, is_phase POD PHASE: reading pods; wait_phase POD PHASE
#   SECONDS returns 1 (with the agent's log and the pod) when the phase does not come.
AGENT_LOG=$T/agent.log

remove_containers() {
  local root=$T/agent/runtime/runc c
  for c in $(runc --root "$root" list -q 2>/dev/null); do runc --root "$root" delete --force "$c"; done
}

worker_cluster() {
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
  source "$(dirname "${BASH_SOURCE[0]}")/agent.sh"
  AGENT_ARGS=(--key w1 --node-name w1 --chain "$DATA/devnet/chain.json" --insecure-registry "$REG"
              --max-grace 3 "$@")
  join_agent "$AGENT_LOG" "${AGENT_ARGS[@]}"
  pass "the agent joined"
}

jp() { k get pod "$1" -o "jsonpath=$2" 2>/dev/null; }
pod_phase() { jp "$1" '{.status.phase}'; }
is_phase() { [ "$(pod_phase "$1")" = "$2" ]; }
wait_phase() {
  for _ in $(seq $(($3 * 10))); do is_phase "$1" "$2" && return 0; sleep 0.1; done
  echo "pod $1: phase $(pod_phase "$1"), want $2"; tail -20 "$AGENT_LOG"
  k get pod "$1" -o yaml | tail -30; return 1
}
wait_for() {
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 10))); do "$@" && return 0; sleep 0.1; done
  tail -20 "$AGENT_LOG"; fail "$what (not within $secs s)"
}
