# agent.sh: `daas agent` against the server start_server runs (source after common.sh and
# start_server). AGENT is its command line up to the per-test flags.
# start_agent LOG ARGS: the agent itself in the background (AGENT_PID is its own pid).
# join_agent LOG ARGS: start_agent until it joins (the server's stake cache follows chain
#   events, so the first attempts after staking may still be refused); fails after 20 tries.
# stop_agent: SIGTERM, then the agent's exit status (0 for a clean stop).
AGENT_PID=
AGENT=("$DAAS_BIN" agent --server "https://127.0.0.1:$PORT" --ca "$DATA/tls/ca.crt"
       --cluster-id "$(cat "$DATA/cluster-id")" --data-dir "$T/agent" --port 0)

start_agent() { local log=$1; shift; "${AGENT[@]}" "$@" >"$log" 2>&1 & AGENT_PID=$!; }

join_agent() {
  local log=$1
  for _ in $(seq 20); do
    start_agent "$@"
    for _ in $(seq 50); do
      grep -q "joined" "$log" && return 0
      kill -0 "$AGENT_PID" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "joined" "$log" && return 0
    wait "$AGENT_PID" || true; AGENT_PID=; sleep 0.5
  done
  cat "$log"; fail "the agent did not join"
}

stop_agent() {
  local pid=$AGENT_PID st=0
  AGENT_PID=
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 1
  wait "$pid" || st=$?
  return $st
}
