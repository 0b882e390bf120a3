#!/usr/bin/env bash
# kubectl logs and kubectl exec through the API server's proxy (src/api/podproxy.c) to a
# stand-in agent (lib/fake_agent.py) that the Node pins by its certificate's SHA-256: the
# agent URLs and parameters, the server's client identity, kubectl 1.32's WebSocket exec
# (stdout, stdin), the SPDY fallback's message, pin mismatches, errors before the proxy, and a
# clean server shutdown with a follow stream and an exec session still open.
source "$(dirname "$0")/lib/common.sh"
start_server
AGENT_PID=
trap 'st=$?; [ -z "$AGENT_PID" ] || kill "$AGENT_PID" 2>/dev/null; (exit $st); cleanup' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/agent.key" \
  -out "$T/agent.crt" -days 2 -subj /CN=n1 2>/dev/null
FP=$(openssl x509 -in "$T/agent.crt" -outform DER | sha256sum | cut -d' ' -f1)
python3 "$(dirname "$0")/lib/fake_agent.py" "$T/agent.crt" "$T/agent.key" "$DATA/tls/ca.crt" \
  "$T/agent.port" >"$T/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 50); do [ -s "$T/agent.port" ] && break; sleep 0.1; done
APORT=$(cat "$T/agent.port")

k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata: {name: n1, annotations: {daas.io/agent-cert-sha256: "$FP"}}
---
apiVersion: v1
kind: Node
metadata: {name: n2, annotations: {daas.io/agent-cert-sha256: "$(printf '0%.0s' $(seq 64))"}}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {nodeName: n1, containers: [{name: app, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: two}
spec: {nodeName: n1, containers: [{name: a, image: busybox}, {name: b, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hold}
spec: {nodeName: n1, containers: [{name: app, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: forged}
spec: {nodeName: n2, containers: [{name: app, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pending}
spec: {containers: [{name: app, image: busybox}]}
YAML
for n in n1 n2; do
  k patch node "$n" --subresource=status --type=merge -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$APORT}}}}" >/dev/null
done
UID_WEB=$(k get pod web -o jsonpath='{.metadata.uid}')

expect_out "logs reach the agent's containerLogs URL with the pod's uid and the parameters" \
  "^log of /containerLogs/default/web/app\?podUID=$UID_WEB&follow=true&tailLines=3$" \
  k logs web -f --tail=3
expect_out "the agent sees the server's client certificate and no Authorization" \
  '^cn=daas-apiserver auth=False$' k logs web
expect_out "logs -c picks the container" '^log of /containerLogs/default/two/b\?podUID=.*&timestamps=true$' \
  k logs two -c b --timestamps
expect_out "exec over WebSocket" \
  "^exec /exec/default/web/app\?podUID=$UID_WEB&command=sh&command=-c&command=echo%20hi&stderr=true&stdout=true$" \
  k exec web -- sh -c 'echo hi'
expect_out "exec -i carries stdin" '^stdin: input$' sh -c "echo input | kubectl --cache-dir $T/cache exec -i web -- cat"
expect_err "a container that is not in the pod" 'container nope is not valid for pod web' \
  k logs web -c nope
expect_err "a pod without a node" 'pod pending does not have a host assigned' k logs pending
expect_err "logs from an agent that is not the one the Node pins" \
  'error dialing backend: node n2: agent certificate does not match the Node.s daas.io/agent-cert-sha256' \
  k logs forged
expect_err "exec falls back to SPDY after the failed WebSocket dial and gets the same message" \
  'error dialing backend: node n2: agent certificate does not match' k exec forged -- ls
expect_err "SPDY exec is refused clearly" 'exec over SPDY is not supported' \
  env KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false kubectl --cache-dir "$T/cache" exec web -- ls
expect_status "a SPDY-less, upgrade-less exec request" 400 BadRequest \
  POST "/api/v1/namespaces/default/pods/web/exec?command=ls"

# Sessions open while the server stops: the cleanup's stop_server requires a clean exit.
k logs -f hold >"$T/hold.log" 2>&1 &
H1=$!
k exec -i hold -- sleep 1000 </dev/zero >"$T/holdx.log" 2>&1 &
H2=$!
for _ in $(seq 100); do
  grep -q first "$T/hold.log" && grep -q '^exec /exec/default/hold/' "$T/holdx.log" && break
  sleep 0.1
done
grep -q first "$T/hold.log" || { cat "$T/hold.log"; fail "follow stream did not start"; }
grep -q '^exec /exec/default/hold/' "$T/holdx.log" || { cat "$T/holdx.log"; fail "exec session did not start"; }
stop_server || fail "the server did not stop cleanly with proxied sessions open"
wait $H1 || true
wait $H2 || true
pass "server stops cleanly with a follow stream and an exec session open"
done_tests
