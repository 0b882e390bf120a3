# nodes.sh: a cluster of N real workers (source after common.sh, registry.sh and worker.sh).
# nodes_cluster N [SERVER FLAGS...]: worker.sh's cluster_base with the given server flags,
#   node-staked keys w1..wN, and one `daas agent` per node joined as wI (own data dir
#   $T/agent-wI, so its own runc root and cgroups; its own port, --port 0; log
#   $T/agent-wI.log). The EXIT trap stops every agent, removes their containers, stops the
#   registry.
# node_start NAME: starts (or restarts) NAME's agent until it joins; NODE_PID[NAME] is its pid.
# node_kill NAME: kill -9 of NAME's agent, as a machine dying (its containers stay until the
#   agent comes back and adopts or stops them).
# node_log NAME: the last lines of NAME's agent log.
declare -A NODE_PID=()
NODE_NAMES=()

node_start() {
  local n=$1 log=$T/agent-$1.log
  [ -f "$log" ] && mv "$log" "$log.old"
  node_agent_args "$n" --data-dir "$T/agent-$n"
  join_agent "$log" "${AGENT_ARGS[@]}"
  NODE_PID[$n]=$AGENT_PID
  AGENT_PID=
}

node_kill() {
  local pid=${NODE_PID[$1]:-}
  NODE_PID[$1]=
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

node_log() { tail -20 "$T/agent-$1.log"; }

# Stops every agent (SIGTERM, as stop_agent) and removes what they left.
nodes_stop() {
  local n
  for n in "${NODE_NAMES[@]}"; do
    AGENT_PID=${NODE_PID[$n]:-}
    NODE_PID[$n]=
    stop_agent || true
    remove_containers "$T/agent-$n/runtime/runc"
  done
}

nodes_cluster() {
  local count=$1 i
  shift
  trap 'st=$?; set +e; nodes_stop; stop_registry; (exit $st); cleanup' EXIT
  cluster_base "$@"
  AGENT_LOG=$T/agent-w1.log
  for i in $(seq "$count"); do
    NODE_NAMES+=("w$i")
    stake_node "w$i"
  done
  for i in $(seq "$count"); do node_start "w$i"; done
  pass "$count agents joined"
}
