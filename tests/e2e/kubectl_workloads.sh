#!/usr/bin/env bash
# The workload kinds with the real kubectl: batch/v1 Job, apps/v1 DaemonSet and
# ControllerRevision are discovered, created (protobuf from `kubectl create job`, JSON from
# apply), printed as Kubernetes 1.32 prints them, defaulted, validated (422 naming the field)
# and their status subresource written with PUT and PATCH.
source "$(dirname "$0")/lib/common.sh"
start_server --disable-controller-manager # statuses are written by hand here

expect_out "api-resources lists jobs" '^jobs +batch/v1 +true +Job' k api-resources
expect_out "api-resources lists daemonsets with short name ds" \
  '^daemonsets +ds +apps/v1 +true +DaemonSet' k api-resources
expect_out "api-resources lists controllerrevisions" \
  '^controllerrevisions +apps/v1 +true +ControllerRevision' k api-resources

# Job: kubectl create job sends protobuf.
expect_out "create job (protobuf)" '^job.batch/j created' k create job j --image=busybox -- echo hi
expect_out "get jobs table columns" '^NAME +STATUS +COMPLETIONS +DURATION +AGE' k get jobs
expect_out "new job is Running 0/1" '^j +Running +0/1 ' k get jobs
expect_out "get jobs -o wide has the generated selector" \
  'CONTAINERS +IMAGES +SELECTOR' k get jobs -o wide
uid=$(k get job j -o 'jsonpath={.metadata.uid}')
expect_out "selector is the controller uid" "^batch.kubernetes.io/controller-uid=$uid\$" \
  k get job j -o 'go-template={{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}}{{end}}'
expect_out "template labels carry job-name" '^j$' \
  k get job j -o 'jsonpath={.spec.template.metadata.labels.job-name}'
expect_out "defaults: completions parallelism backoffLimit" '^1 1 6 NonIndexed false TerminatingOrFailed$' \
  k get job j -o 'jsonpath={.spec.completions} {.spec.parallelism} {.spec.backoffLimit} {.spec.completionMode} {.spec.suspend} {.spec.podReplacementPolicy}'
expect_out "restartPolicy from kubectl is Never" '^Never$' \
  k get job j -o 'jsonpath={.spec.template.spec.restartPolicy}'

# Status subresource: PUT then PATCH.
NS=/apis/batch/v1/namespaces/default/jobs
body=$(k get job j -o json | python3 -c '
import json,sys
o=json.load(sys.stdin)
o["status"]={"startTime":"2026-01-01T00:00:00Z","active":1}
print(json.dumps(o))')
expect_status "PUT jobs/status" 200 "" PUT "$NS/j/status" -H 'Content-Type: application/json' -d "$body"
expect_out "status PUT kept" '^1$' k get job j -o 'jsonpath={.status.active}'
k patch job j --subresource status --type merge -p '{"status":{"active":0,"succeeded":1,"completionTime":"2026-01-01T00:00:05Z","conditions":[{"type":"Complete","status":"True"}]}}' >/dev/null \
  || fail "patch jobs/status"
expect_out "job Complete after status patch" '^j +Complete +1/1 +5s ' k get jobs
k patch job j --type merge -p '{"status":{"succeeded":0}}' >/dev/null || fail "patch job main resource"
expect_out "main-resource patch keeps status" '^1$' k get job j -o 'jsonpath={.status.succeeded}'
expect_err "a negative status counter is refused (422 naming the field)" \
  'status.succeeded: Invalid value: -1: must be greater than or equal to 0' \
  k patch job j --subresource status --type merge -p '{"status":{"succeeded":-1}}'
k create deployment hello --image=busybox >/dev/null
expect_err "a Deployment's too" 'status.replicas: Invalid value: -2: must be greater than or equal to 0' \
  k patch deploy hello --subresource status --type merge -p '{"status":{"replicas":-2}}'

# Validation: 422 naming the field.
cat >"$T/badjob.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: bad}
spec:
  template:
    spec:
      restartPolicy: Always
      containers: [{name: c, image: busybox}]
YAML
expect_err "job with restartPolicy Always is refused" \
  'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"' \
  k apply -f "$T/badjob.yaml"
expect_status "422 Invalid for a bad job" 422 Invalid POST "$NS" -H 'Content-Type: application/json' \
  -d '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad2"},"spec":{"backoffLimit":-1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}'
expect_err "job template is immutable" 'spec.template: Invalid value' \
  k set image job/j j=busybox:2

# DaemonSet via apply (JSON).
cat >"$T/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: a, image: busybox, command: [sleep, "3600"]}]
YAML
expect_out "apply daemonset" '^daemonset.apps/agent created' k apply -f "$T/ds.yaml"
expect_out "get ds table columns" \
  '^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE' k get ds
expect_out "get ds row" '^agent +0 +0 +0 +0 +0 +disk=ssd ' k get ds
expect_out "ds defaults" '^RollingUpdate 1 0 10$' k get ds agent -o \
  'jsonpath={.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.maxUnavailable} {.spec.updateStrategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit}'
k patch ds agent --subresource status --type merge -p '{"status":{"desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":0}}' >/dev/null \
  || fail "patch daemonsets/status"
expect_out "ds row after status patch" '^agent +2 +2 +1 +2 +1 +disk=ssd ' k get ds
DS=/apis/apps/v1/namespaces/default/daemonsets
body=$(k get ds agent -o json | python3 -c '
import json,sys
o=json.load(sys.stdin)
o["status"]["numberReady"]=2
print(json.dumps(o))')
expect_status "PUT daemonsets/status" 200 "" PUT "$DS/agent/status" -H 'Content-Type: application/json' -d "$body"
expect_out "ds ready after status PUT" '^agent +2 +2 +2 ' k get ds
cat >"$T/badds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: badds}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: busybox}]
YAML
expect_err "ds selector must match template labels" \
  'spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"agent"\}: `selector` does not match template `labels`' \
  k apply -f "$T/badds.yaml"
expect_status "422 for a ds without selector" 422 Invalid POST "$DS" -H 'Content-Type: application/json' \
  -d '{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"nosel"},"spec":{"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}'

# ControllerRevision.
dsuid=$(k get ds agent -o 'jsonpath={.metadata.uid}')
cat >"$T/cr.yaml" <<YAML
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: agent-6d4b8f
  ownerReferences:
  - {apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: "$dsuid", controller: true}
data: {spec: {template: {spec: {containers: [{name: a, image: busybox}]}}}}
revision: 1
YAML
expect_out "create controllerrevision" '^controllerrevision.apps/agent-6d4b8f created' \
  k create -f "$T/cr.yaml"
expect_out "get controllerrevisions" '^NAME +CONTROLLER +REVISION +AGE' k get controllerrevisions
expect_out "controllerrevision row" '^agent-6d4b8f +daemonset.apps/agent +1 ' k get controllerrevisions
expect_status "controllerrevision without data" 422 Invalid POST \
  /apis/apps/v1/namespaces/default/controllerrevisions -H 'Content-Type: application/json' \
  -d '{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"nodata"},"revision":2}'

# Strict field validation knows the new kinds' fields (and only those).
cat >"$T/unknown.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: unk}
spec:
  ttlSecondsAfterFinished: 30
  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}
  completionz: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
YAML
expect_err "unknown job field refused under strict validation" 'unknown field "spec.completionz"' \
  k create -f "$T/unknown.yaml"
sed -i '/completionz/d' "$T/unknown.yaml"
expect_out "known job fields accepted" '^job.batch/unk created' k create -f "$T/unknown.yaml"
expect_out "podFailurePolicy defaults podReplacementPolicy to Failed" '^Failed True$' k get job unk \
  -o 'jsonpath={.spec.podReplacementPolicy} {.spec.podFailurePolicy.rules[0].onPodConditions[0].status}'

expect_out "get all lists the job and the daemonset" 'daemonset.apps/agent' k get all
expect_out "delete job" 'job.batch "j" deleted' k delete job j
done_tests
