# worker.sh: a cluster with one real worker, for the agent's end-to-end tests (source after
# common.sh and registry.sh):
# worker_cluster [AGENT FLAGS...]: a real registry on loopback holding the busybox image
#   ($IMG; registry.sh), `daas server --dev --disable-agent` (devnet, Seal key servers, debug
#   scheduler enclave), a node-staked key w1, and `daas agent` joined as node w1 trusting the
#   chain's enclaves, pulling $REG over http, grace capped at 3 s, plus the given flags
#   (AGENT_ARGS, log in $AGENT_LOG). The EXIT trap stops the agent, removes its containers
#   (the agent leaves them for its next start), and stops the registry. Its parts
#   (cluster_base, stake_node, node_agent_args, remove_containers) serve lib/nodes.sh too.
# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds, else the agent's log and FAIL.
# jp POD JSONPATH, pod_phase POD, is_phase POD PHASE: reading pods; wait_phase POD PHASE
#   SECONDS returns 1 (with the agent's log and the pod) when the phase does not come.
AGENT_LOG=$T/agent.log

# remove_containers [RUNC ROOT]: force-deletes the containers an agent left (default: w1's).
remove_containers() {
  local root=${1:-$T/agent/runtime/runc} c
  for c in $(runc --root "$root" list -q 2>/dev/null); do runc --root "$root" delete --force "$c"; done
}

# cluster_base [SERVER FLAGS...]: the registry holding $IMG, `daas server --dev --disable-agent`
# with the given flags added, the test keystore and chain exported, agent.sh sourced.
cluster_base() {
  busybox_image "$T/oci"
  start_registry
  skopeo copy --quiet "oci:$T/oci:1" "docker://$REG/tools/busybox:1" --dest-tls-verify=false >/dev/null
  IMG=$REG/tools/busybox:1
  start_server --dev --disable-agent --devnet-epoch-ms 1000 "$@"
  export DAAS_CHAIN=$DATA/devnet/chain.json DAAS_KEYSTORE=$T/wallets/sui.keystore
  source "$(dirname "${BASH_SOURCE[0]}")/agent.sh"
}

# stake_node NAME: a key NAME in the test keystore, funded and staked with the node role.
stake_node() {
  "$DAAS_BIN" sui keygen --alias "$1" >/dev/null
  timeout 60 "$DAAS_BIN" sui faucet --key "$1" >/dev/null || fail "faucet"
  timeout 60 "$DAAS_BIN" sui stake --key "$1" --role node --amount 100 >/dev/null || fail "stake"
}

# node_agent_args NAME [FLAGS...]: AGENT_ARGS for the agent of node NAME (key NAME).
node_agent_args() {
  local n=$1; shift
  AGENT_ARGS=(--key "$n" --node-name "$n" --chain "$DATA/devnet/chain.json" --insecure-registry "$REG"
              --max-grace 3 "$@")
}

worker_cluster() {
  trap 'st=$?; set +e; stop_agent; remove_containers; stop_registry; (exit $st); cleanup' EXIT
  cluster_base
  stake_node w1
  node_agent_args w1 "$@"
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
