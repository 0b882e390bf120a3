#!/usr/bin/env bash
# agent_lifecycle.sh: the agent's pod lifecycle, kubelet-like, against `daas server --dev`, a
# real registry and a node-staked `daas agent` (as agent_pods.sh): a pod whose image is
# present starts quickly (create → Running); restartPolicy OnFailure restarts a failing
# container (restartCount grows, CrashLoopBackOff, lastState); a failed liveness probe
# restarts a container; a readiness probe decides Ready; `kubectl delete` of a running pod
# returns once the agent stopped it within the grace period (Killing event, no process
# left), a force-deleted one is stopped too; after `kill -9` of the agent and a restart a
# running container is adopted, not started twice, and a pod deleted while the agent was
# away is stopped and removed.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster

runs_of() { # POD: the runc ids of its containers
  local uid; uid=$(jp "$1" '{.metadata.uid}')
  runc --root "$T/agent/runtime/runc" list -q 2>/dev/null | grep "^${uid:0:8}-" || true
}
count_procs() { pgrep -fc "^sleep $1\$" || true; }
# Sentinel sleep lengths, unique to this run: the same test may run at the same time on the
# other datastore (e2e/ and e2e-etcd/ copies under ctest -j), and pgrep counts machine-wide.
SB=$((100000 + RANDOM * 8))
S1=$((SB + 1)) S2=$((SB + 2)) S3=$((SB + 3)) S4=$((SB + 4))

# ---- start latency (the image is pulled by a first pod) ----
k run warm --image="$IMG" --restart=Never --command -- sh -c 'echo warm' >/dev/null
wait_for "warm-up pod Succeeded" 60 is_phase warm Succeeded
creds
ms=$(python3 - "$T" "$PORT" "$IMG" <<'PY'
import http.client, json, ssl, sys, time
t, port, img = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=t + '/ca.crt')
ctx.load_cert_chain(t + '/admin.crt', t + '/admin.key')
w = http.client.HTTPSConnection('127.0.0.1', port, context=ctx, timeout=30)
w.request('GET', '/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dfast')
r = w.getresponse()
pod = {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'fast'},
       'spec': {'containers': [{'name': 'c', 'image': img, 'command': ['sh', '-c', 'sleep 600']}]}}
c = http.client.HTTPSConnection('127.0.0.1', port, context=ctx, timeout=30)
t0 = time.monotonic()
c.request('POST', '/api/v1/namespaces/default/pods', body=json.dumps(pod),
          headers={'Content-Type': 'application/json'})
resp = c.getresponse()
body = resp.read()
if resp.status != 201:
    sys.exit('POST pod fast: HTTP %d: %s' % (resp.status, body[:300]))
while True:
    line = r.readline()
    if not line:
        sys.exit('watch ended')
    if json.loads(line)['object'].get('status', {}).get('phase') == 'Running':
        break
print(int((time.monotonic() - t0) * 1000))
PY
) || fail "measuring the start latency"
echo "# create → Running: $ms ms"
[ "$ms" -lt 1500 ] || fail "create → Running took $ms ms"
pass "a pod with its image present runs quickly (create → Running in $ms ms)"

# ---- restartPolicy OnFailure: exit 1 restarts with a back-off ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  restartPolicy: OnFailure
  containers: [{name: c, image: "$IMG", command: [sh, -c, "echo crash-run; exit 1"]}]
YAML
crashloop() { [ "$(jp crash '{.status.containerStatuses[0].state.waiting.reason}')" = CrashLoopBackOff ]; }
wait_for "CrashLoopBackOff" 60 crashloop
expect_out "CrashLoopBackOff message names the back-off, container and pod" \
  '^back-off 10s restarting failed container=c pod=crash_default\(' \
  k get pod crash -o 'jsonpath={.status.containerStatuses[0].state.waiting.message}'
expect_out "lastState: terminated, exit 1, Error" '^1 Error runc://' \
  k get pod crash -o 'jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode} {.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.containerID}'
restarted_twice() { [ "$(jp crash '{.status.containerStatuses[0].restartCount}')" -ge 2 ] 2>/dev/null; }
wait_for "restartCount reaches 2 after the 10 s back-off" 40 restarted_twice
[ "$(jp crash '{.status.phase}')" = Running ] || fail "OnFailure while restarting: phase $(jp crash '{.status.phase}')"
k get events --field-selector involvedObject.name=crash -o 'jsonpath={.items[*].reason}' | grep -q BackOff ||
  fail "no BackOff event"
[ "$(ls "$T/agent/runtime/logs/" | grep -c -- '-c-[0-9]*.log$')" -ge 2 ] || fail "earlier runs' logs were not kept"
pass "OnFailure: restarted with back-off (restartCount >= 2, phase Running, BackOff events, logs kept)"

# ---- a failed liveness probe restarts the container ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: "$IMG"
    command: [sh, -c, "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 600"]
    livenessProbe:
      exec: {command: [sh, -c, "test -f /tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 1
YAML
live_restarted() { [ "$(jp live '{.status.containerStatuses[0].restartCount}')" -ge 1 ] 2>/dev/null; }
wait_for "liveness restart" 40 live_restarted
k get events --field-selector involvedObject.name=live -o 'jsonpath={.items[*].message}' |
  grep -q "Liveness probe failed" || fail "no Unhealthy event"
pass "a failed liveness probe restarts the container (Unhealthy event)"

# ---- readiness: an httpGet probe on the host network decides Ready ----
RPORT=$(free_port)
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: "$IMG"
    command: [sh, -c, "mkdir -p /www; echo ok >/www/index.html; sleep 3; exec httpd -f -p 127.0.0.1:$RPORT -h /www"]
    readinessProbe:
      httpGet: {host: 127.0.0.1, port: $RPORT, path: /index.html}
      periodSeconds: 1
YAML
wait_for "ready Running" 30 is_phase ready Running
[ "$(jp ready '{.status.conditions[?(@.type=="Ready")].status}')" = False ] ||
  fail "Ready before the server listens"
[ "$(jp ready '{.status.containerStatuses[0].ready}')" = false ] || fail "container ready too early"
is_ready() { [ "$(jp ready '{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
wait_for "Ready once httpd answers" 20 is_ready
[ "$(jp ready '{.status.containerStatuses[0].ready}')" = true ] || fail "container not ready"
k delete pod ready --timeout=30s >/dev/null || fail "deleting ready"
pass "a readiness probe (httpGet) keeps the pod unready until it answers, then Ready"

# ---- graceful deletion of a running pod ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: loop}
spec:
  containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep $S1 & while true; do sleep 1; done"]}]
YAML
wait_for "loop Running" 30 is_phase loop Running
loop_child() { [ "$(count_procs $S1)" = 1 ]; }
wait_for "the loop's child runs" 10 loop_child
t0=$(date +%s)
k delete pod loop --timeout=30s >/dev/null || fail "kubectl delete did not return"
t1=$(date +%s)
[ $((t1 - t0)) -le 15 ] || fail "deleting took $((t1 - t0)) s"
k get pod loop >/dev/null 2>&1 && fail "the pod is still there"
[ "$(count_procs $S1)" = 0 ] || fail "a process of the deleted pod is left"
k get events --field-selector involvedObject.name=loop -o 'jsonpath={.items[*].message}' |
  grep -q "Stopping container c" || fail "no Killing event"
pass "kubectl delete of a running pod returns once it stopped ($((t1 - t0)) s, no process left)"

# ---- a forced deletion (the pod leaves the API at once): the agent stops it too ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: forced}
spec:
  containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep $S2 & while true; do sleep 1; done"]}]
YAML
wait_for "forced Running" 30 is_phase forced Running
forced_child() { [ "$(count_procs $S2)" = 1 ]; }
wait_for "the forced pod's child runs" 10 forced_child
k delete pod forced --force --grace-period=0 >/dev/null 2>&1 || fail "kubectl delete --force"
no_forced_procs() { [ "$(count_procs $S2)" = 0 ]; }
wait_for "the force-deleted pod's processes are gone" 15 no_forced_procs
pass "a force-deleted pod is stopped by the agent"

# ---- kill -9 of the agent: adoption, and a pod deleted meanwhile ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: keep}
spec:
  containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep $S3 & while true; do sleep 1; done"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: drop}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep $S4"]}]
YAML
wait_for "keep Running" 30 is_phase keep Running
wait_for "drop Running" 30 is_phase drop Running
kill -KILL "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=
k delete pod drop --wait=false >/dev/null
AGENT_LOG=$T/agent2.log
join_agent "$AGENT_LOG" "${AGENT_ARGS[@]}"
gone_drop() { ! k get pod drop >/dev/null 2>&1; }
wait_for "the pod deleted while the agent was away is removed" 30 gone_drop
no_drop_procs() { [ "$(count_procs $S4)" = 0 ]; }
wait_for "its container is gone" 10 no_drop_procs
sleep 2 # a few passes of the restarted agent
[ "$(runs_of keep | wc -l)" = 1 ] || fail "keep has runs: $(runs_of keep | tr '\n' ' ')"
[ "$(count_procs $S3)" = 1 ] || fail "keep's container runs $(count_procs $S3) times"
[ "$(jp keep '{.status.containerStatuses[0].restartCount}')" = 0 ] || fail "keep was restarted"
is_phase keep Running || fail "keep is not Running after the agent restart"
grep -q "adopted" "$T/agent2.log" || fail "the agent did not say it adopted keep's container"
pass "after kill -9 and a restart the container is adopted (runs once) and a deleted pod is removed"

stop_agent || fail "the agent did not exit cleanly"
pass "SIGTERM stops the agent"
done_tests
