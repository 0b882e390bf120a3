#!/usr/bin/env bash
# ctrl_services.sh: Services' Endpoints and EndpointSlices kept in step with ready pods by the
# endpoints controller, with the real agent running the pods (runc, a real registry; pods use
# the host network, so the agent reports the node's address as each pod's IP): `kubectl
# expose deployment` → `kubectl get endpoints` lists both ready pods at the target port,
# `kubectl get endpointslices -l kubernetes.io/service-name=web` shows them ready, `kubectl
# describe svc` shows them and says there is no data plane yet (a NoDataPlane Event),
# scaling to 0 empties both, a pod failing its readiness probe is listed as not ready until
# the probe passes, default/kubernetes points at the API server (upstream's columns for
# `kubectl get endpointslices`), and deleting the Service takes its Endpoints and slices
# along.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster

ep_row() { k get endpoints "$1" --no-headers 2>/dev/null; }
slice_rows() { k get endpointslices -l "kubernetes.io/service-name=$1" --no-headers 2>/dev/null; }
matches() { local re=$1; shift; "$@" | grep -Eq -- "$re"; }

expect_out "api-resources lists endpointslices" '^endpointslices +discovery\.k8s\.io/v1 +true +EndpointSlice$' \
  k api-resources

# ---- the kubernetes Service: the API server's address ----
expect_out "kubectl get endpoints kubernetes shows the API server" \
  "^kubernetes +127\.0\.0\.1:$PORT " k get endpoints kubernetes --no-headers
expect_out "the kubernetes EndpointSlice too, in upstream's columns" \
  "^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE"$'\n'"kubernetes +IPv4 +$PORT +127\.0\.0\.1 " \
  k get endpointslices kubernetes

# ---- a Deployment of 2 exposed on port 80 → 8080 ----
k create deployment web --image="$IMG" --replicas=2 -- sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' >/dev/null
expect_out "the deployment rolls out" 'successfully rolled out' k rollout status deployment/web --timeout=90s
ips=$(k get pods -l app=web -o jsonpath='{.items[*].status.podIP}')
ip=${ips%% *}
[ -n "$ip" ] && [ "$ips" = "$ip $ip" ] || fail "both pods report the node's address as podIP: '$ips'"
pass "the pods' IP is the node's address ($ip)"
k expose deployment web --port 80 --target-port 8080 >/dev/null
ipq=${ip//./\\.}
wait_for "Endpoints web lists both pods at port 8080" 30 \
  matches "^web +$ipq:8080,$ipq:8080 " ep_row web
pass "kubectl get endpoints web: 2 addresses"
[ "$(k get endpoints web -o jsonpath='{.subsets[0].addresses[*].targetRef.kind}')" = "Pod Pod" ] ||
  fail "the addresses name their pods"
wait_for "the EndpointSlice lists both pods" 30 \
  matches "^web-[a-z0-9]+ +IPv4 +8080 +$ipq,$ipq " slice_rows web
[ "$(slice_rows web | wc -l)" = 1 ] || fail "one slice for the Service"
expect_out "both endpoints are ready" '^true true$' \
  k get endpointslices -l kubernetes.io/service-name=web -o 'jsonpath={.items[0].endpoints[*].conditions.ready}'
expect_out "the slice is owned by the Service" "^Service/web/$(k get svc web -o jsonpath='{.metadata.uid}')\$" \
  k get endpointslices -l kubernetes.io/service-name=web \
  -o 'jsonpath={.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name}/{.items[0].metadata.ownerReferences[0].uid}'

# ---- kubectl describe svc: the endpoints, and the missing data plane ----
expect_out "describe svc shows the endpoints" "^Endpoints: +$ipq:8080,$ipq:8080\$" k describe svc web
expect_out "describe svc says the data plane comes later" \
  'Normal +NoDataPlane +.*endpoints-controller +.*no service data plane yet: traffic to the ClusterIP .*is not forwarded' \
  k describe svc web
[ "$(k get events --field-selector involvedObject.kind=Service,involvedObject.name=web,reason=NoDataPlane -o name | wc -l)" = 1 ] ||
  fail "exactly one NoDataPlane event"
expect_out "the Service object itself carries no note" '^$' \
  k get svc web -o 'jsonpath={.metadata.annotations}'

# ---- scale to 0: nothing left to serve ----
k scale deployment web --replicas=0 >/dev/null
wait_for "Endpoints web empty after scale to 0" 60 matches '^web +<none> ' ep_row web
wait_for "the slice keeps no endpoints" 60 matches '^web-[a-z0-9]+ +IPv4 +<unset> +<unset> ' slice_rows web
pass "scale to 0: Endpoints and EndpointSlice empty"
# kubectl 1.32 prints an empty Endpoints: line for the placeholder slice (as with upstream's)
expect_out "describe svc shows no endpoints" '^Endpoints: *(<none>)?$' k describe svc web

# ---- readiness decides: a pod whose probe fails is listed as not ready ----
k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: gate}
spec:
  replicas: 1
  selector: {matchLabels: {app: gate}}
  template:
    metadata: {labels: {app: gate}}
    spec:
      containers:
      - name: c
        image: "$IMG"
        command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
        readinessProbe: {exec: {command: [sh, -c, "[ -f /tmp/ready ]"]}, periodSeconds: 1}
YAML
k expose deployment gate --port 80 --target-port 9090 >/dev/null
ep_of() { k get endpoints gate -o "jsonpath=$1" 2>/dev/null; }
ready_of() { k get endpointslices -l kubernetes.io/service-name=gate -o 'jsonpath={.items[*].endpoints[*].conditions.ready}' 2>/dev/null; }
wait_for "the unready pod is a notReadyAddress" 60 \
  matches "^$ipq:9090\$" ep_of '{.subsets[0].notReadyAddresses[0].ip}:{.subsets[0].ports[0].port}'
[ -z "$(ep_of '{.subsets[0].addresses}')" ] || fail "an unready pod among the ready addresses"
[ "$(ready_of)" = false ] || fail "the slice's endpoint is ready: $(ready_of)"
pass "a failing readiness probe: notReadyAddresses, ready: false"
k exec deployment/gate -- sh -c ': >/tmp/ready'
wait_for "the pod turns ready in the Endpoints" 60 matches "^$ipq\$" ep_of '{.subsets[0].addresses[0].ip}'
wait_for "and in the slice" 30 matches '^true$' ready_of
pass "the probe passing moves the pod to the ready addresses"

# ---- scale back up, then delete the Service ----
k scale deployment web --replicas=1 >/dev/null
wait_for "Endpoints web back with one pod" 60 matches "^web +$ipq:8080 " ep_row web
pass "scale to 1: one address again"
k delete svc web >/dev/null
gone() { ! k get endpoints web >/dev/null 2>&1 && [ -z "$(slice_rows web)" ]; }
wait_for "Endpoints and slices gone with the Service" 30 gone
pass "deleting the Service deletes its Endpoints and EndpointSlice"
k delete deployment web >/dev/null

done_tests
