#!/usr/bin/env bash
# ctrl_job.sh: the Job and DaemonSet controllers with the real kubectl, a real registry and a
# node-staked `daas agent` running runc containers (worker_cluster): `kubectl create job`
# runs to completion (`kubectl wait --for=condition=complete`, the Table's STATUS Complete,
# COMPLETIONS 1/1 and DURATION, `kubectl logs job/NAME`); backoffLimit 1 ends Failed with
# BackoffLimitExceeded after two failed pods; completions 3 / parallelism 2 completes with
# three Succeeded pods, never more than two at once; ttlSecondsAfterFinished 0 deletes the
# finished Job; a DaemonSet on the one node runs its pod, `kubectl rollout status` returns,
# `kubectl set image` rolls it and `kubectl rollout history` lists revisions 1 and 2,
# `kubectl rollout undo` brings the first image back. Needs root and runc (fails without).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
[ "$(id -u)" = 0 ] || fail "needs root (runc containers)"
command -v runc >/dev/null || fail "runc not found"
worker_cluster
# a second tag of the same image, for the DaemonSet's rolling update
skopeo copy --quiet "oci:$T/oci:1" "docker://$REG/tools/busybox:2" --dest-tls-verify=false >/dev/null
IMG2=$REG/tools/busybox:2

job_pods() { # JOB [PHASE]: names of the Job's pods (in that phase)
  k get pods -l "job-name=$1" -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' |
    awk -v p="${2:-}" 'NF && (p == "" || $2 == p) {print $1}'
}
count() { job_pods "$@" | grep -c . || true; }

# ---- a Job to completion ----
expect_out "create job" '^job.batch/pi created' k create job pi --image="$IMG" -- sh -c 'echo done'
k wait --for=condition=complete job/pi --timeout=60s >/dev/null ||
  { k get job pi -o yaml | tail -30; tail -20 "$AGENT_LOG"; fail "job pi did not complete"; }
pass "kubectl wait --for=condition=complete job/pi"
expect_out "get jobs: Complete 1/1 with a duration" '^pi +Complete +1/1 +[0-9]+s +' k get jobs pi
expect_out "job status: succeeded 1, a completionTime" '^1 20[0-9-]+T' \
  k get job pi -o 'jsonpath={.status.succeeded} {.status.completionTime}'
expect_out "kubectl logs job/pi" '^done$' k logs job/pi
expect_out "get jobs --field-selector status.successful=1" '^pi ' k get jobs --field-selector status.successful=1 --no-headers
expect_out "events: SuccessfulCreate and Completed" 'SuccessfulCreate.*Completed|Completed.*SuccessfulCreate' \
  k get events --field-selector involvedObject.kind=Job,involvedObject.name=pi \
  -o 'jsonpath={.items[*].reason}'
pod=$(job_pods pi)
expect_out "the pod is owned by the Job" '^Job pi true$' \
  k get pod "$pod" -o 'jsonpath={.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].controller}'

# ---- backoffLimit 1: two failures end it ----
k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: bad}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: "$IMG", command: [sh, -c, "exit 3"]}]
YAML
# the replacement waits out the 10 s pod failure back-off
k wait --for=condition=failed job/bad --timeout=90s >/dev/null ||
  { k get job bad -o yaml | tail -30; k get pods; fail "job bad did not fail"; }
expect_out "failed job: reason BackoffLimitExceeded" '^BackoffLimitExceeded$' \
  k get job bad -o 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}'
got="$(count bad Failed) $(k get job bad -o 'jsonpath={.status.failed}')"
[ "$got" = "2 2" ] || { k get pods; fail "failed job: want 2 Failed pods and status.failed 2, got $got"; }
pass "failed job: two pods Failed, status.failed 2"
expect_out "get jobs: bad Failed 0/1" '^bad +Failed +0/1 ' k get jobs bad
expect_out "a BackoffLimitExceeded Warning event" 'Warning BackoffLimitExceeded' \
  k get events --field-selector involvedObject.name=bad -o 'jsonpath={range .items[*]}{.type} {.reason}{"\n"}{end}'

# ---- completions 3, parallelism 2 ----
k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: three}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep 1; echo ok"]}]
YAML
max_active=0
for _ in $(seq 600); do
  a=$(k get job three -o 'jsonpath={.status.active}'); a=${a:-0}
  [ "$a" -gt "$max_active" ] && max_active=$a
  [ -n "$(k get job three -o 'jsonpath={.status.completionTime}')" ] && break
  sleep 0.1
done
k wait --for=condition=complete job/three --timeout=60s >/dev/null || fail "job three did not complete"
[ "$max_active" -le 2 ] || fail "job three ran $max_active pods at once"
[ "$(count three Succeeded)" = 3 ] || { k get pods; fail "job three: want 3 Succeeded pods"; }
[ "$(count three)" = 3 ] || { k get pods; fail "job three: want exactly 3 pods"; }
expect_out "get jobs: three Complete 3/3" '^three +Complete +3/3 ' k get jobs three
pass "completions 3 / parallelism 2: 3 pods Succeeded, at most $max_active active"

# ---- ttlSecondsAfterFinished 0 ----
k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  ttlSecondsAfterFinished: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: "$IMG", command: [sh, -c, "echo once"]}]
YAML
gone() { ! k get job once >/dev/null 2>&1; }
wait_for "job once deleted after it finished (ttlSecondsAfterFinished 0)" 60 gone
# Its pods go through the garbage collector (Background propagation); this test asserts the
# Job only, the gc controller's own e2e covers the pods.
pass "ttlSecondsAfterFinished 0: the Job is gone"

# ---- a DaemonSet on the one node ----
k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agentd}
spec:
  selector: {matchLabels: {app: agentd}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata: {labels: {app: agentd}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: "$IMG", command: [sh, -c, "sleep 3600"]}]
YAML
k rollout status ds/agentd --timeout=90s >/dev/null ||
  { k get ds agentd -o yaml | tail -30; k get pods -o wide; fail "rollout status ds/agentd"; }
pass "kubectl rollout status ds/agentd returns"
ds_pod() { k get pods -l app=agentd -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.name} {.spec.nodeName}{"\n"}{end}'; }
expect_out "one DaemonSet pod Running on w1" '^agentd-[a-z0-9]+ w1$' ds_pod
expect_out "get ds: 1 desired, current, ready, up-to-date, available" \
  '^agentd +1 +1 +1 +1 +1 ' k get ds agentd
expect_out "set image ds/agentd" 'image updated' k set image ds/agentd c="$IMG2"
k rollout status ds/agentd --timeout=90s >/dev/null ||
  { k get ds agentd -o yaml | tail -30; k get pods -o wide; fail "rollout status after set image"; }
image_is() { [ "$(k get pods -l app=agentd -o jsonpath='{.items[*].spec.containers[0].image}')" = "$1" ]; }
wait_for "the DaemonSet's pod runs the new image (and only it)" 60 image_is "$IMG2"
revs() { k get controllerrevisions -l app=agentd -o jsonpath='{range .items[*]}{.revision}{"\n"}{end}' | sort -n | tr '\n' ' '; }
hist=$(k rollout history ds/agentd)
{ grep -Eq '^1 +<none>' <<<"$hist" && grep -Eq '^2 +<none>' <<<"$hist"; } ||
  { echo "$hist"; fail "rollout history ds/agentd: want revisions 1 and 2"; }
pass "rollout history ds/agentd lists revisions 1 and 2"
expect_out "ControllerRevisions owned by the DaemonSet" '^agentd-[a-z0-9]+ +daemonset.apps/agentd +1 ' \
  k get controllerrevisions --sort-by=.revision --no-headers
expect_out "rollout undo ds/agentd" 'rolled back' k rollout undo ds/agentd
k rollout status ds/agentd --timeout=90s >/dev/null || fail "rollout status after undo"
wait_for "the DaemonSet's pod runs the first image again" 60 image_is "$IMG"
[ "$(revs)" = "2 3 " ] || fail "after undo: want revisions 2 and 3, got $(revs)"
pass "after undo: the first template's revision is 3"
done_tests
