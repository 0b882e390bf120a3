#!/usr/bin/env bash
# The read side of specs/kube-api.md §10 with the real kubectl over HTTPS: version, discovery,
# get in every output format, paging, describe.
source "$(dirname "$0")/lib/common.sh"
start_server

expect_out "version reports a 1.32 server" 'Server Version: v1\.32\.' k version
expect_out "api-resources lists core, apps and coordination kinds" \
  'deployments +deploy +apps/v1 +true +Deployment' k api-resources
expect_out "api-resources has leases" 'leases +coordination.k8s.io/v1 +true +Lease' k api-resources
expect_out "cluster-info" 'Kubernetes control plane is running at https://127.0.0.1' k cluster-info
expect_out "system namespaces exist" 'kube-node-lease +Active' k get ns
expect_out "namespace table columns" '^NAME +STATUS +AGE' k get namespaces
expect_out "kubernetes service exists" 'kubernetes +ClusterIP +10\.43\.0\.1 +<none> +443/TCP' k get svc

cat >"$T/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
    ports: [{containerPort: 8080}]
YAML
expect_out "create -f pod" '^pod/web created' k create -f "$T/pod.yaml"
expect_out "get pods table" '^web +0/1 +Pending +0 ' k get pods
expect_out "get pods wide has IP and NODE columns" 'NAME +READY +STATUS +RESTARTS +AGE +IP +NODE' \
  k get pods -o wide
expect_out "get pod -o yaml shows defaults" 'imagePullPolicy: IfNotPresent' k get pod web -o yaml
expect_out "get pod -o json has resourceVersion" '"resourceVersion": "[0-9]+"' k get pod web -o json
expect_out "get -o name" '^pod/web$' k get pod web -o name
expect_out "jsonpath" '^busybox:1\.36$' k get pod web -o 'jsonpath={.spec.containers[0].image}'
expect_out "custom-columns" 'web +app' k get pods -o custom-columns=NAME:.metadata.name,C:.spec.containers[0].name
expect_out "label selector" '^web ' k get pods -l 'app=web,tier in (front,back)' --no-headers
expect_out "label selector with no match" 'No resources found' k get pods -l 'app!=web'
expect_out "show-labels" 'app=web,tier=front' k get pods --show-labels
expect_out "all namespaces" '^default +web ' k get pods -A --no-headers
expect_out "sort-by" '^web' k get pods --sort-by=.metadata.name --no-headers
expect_out "field selector" '^web' k get pods --field-selector=metadata.name=web --no-headers
expect_out "describe pod" 'Image: +busybox:1\.36' k describe pod web

for i in 1 2 3 4 5; do k create configmap "cm$i" --from-literal=k=v$i >/dev/null; done
out=$(k get cm --chunk-size=2 --no-headers)
n=$(grep -c '^cm[1-5] ' <<<"$out" || true)
[ "$n" = 5 ] || { echo "$out"; fail "chunked list returned $n of 5 configmaps"; }
pass "get --chunk-size=2 pages through all configmaps"
expect_out "get all" 'pod/web' k get all
expect_out "describe configmap" 'Data' k describe cm cm1
expect_out "get cm table columns" '^NAME +DATA +AGE' k get cm
# describe of each kind kubectl has a describer for, and events.
k create deployment dd --image=busybox:1.36 >/dev/null
k create service clusterip ds --tcp=80:8080 >/dev/null
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"Event","metadata":{"name":"web.1"},"involvedObject":{"kind":"Pod","namespace":"default","name":"web","uid":"'"$(k get pod web -o 'jsonpath={.metadata.uid}')"'"},"reason":"Testing","message":"hello from e2e","type":"Normal","source":{"component":"e2e"},"count":1}' >/dev/null
expect_out "describe pod shows its events" 'Testing +.*hello from e2e' k describe pod web
expect_out "describe deployment" 'Replicas: +1 desired' k describe deploy dd
expect_out "describe service" 'IP: +10\.43\.' k describe svc ds
expect_out "describe namespace" 'Status: +Active' k describe ns default
expect_out "get events" 'Testing.*pod/web.*hello from e2e' k get events
expect_out "kubectl events" 'hello from e2e' k events
k create -f - >/dev/null <<'YAML'
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: l1, namespace: kube-node-lease}
spec: {holderIdentity: node-a, leaseDurationSeconds: 40}
YAML
expect_out "lease table" '^l1 +node-a ' k -n kube-node-lease get leases --no-headers
expect_out "describe lease" 'Holder Identity: +node-a' k -n kube-node-lease describe lease l1
k create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {node-role.kubernetes.io/worker: ""}}
status:
  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ready}]
  nodeInfo: {kubeletVersion: v1.32.4-daas, osImage: Debian 12, kernelVersion: "6.1", containerRuntimeVersion: runc://1.1, architecture: amd64, operatingSystem: linux}
YAML
expect_out "node table" '^node-a +Ready +worker ' k get nodes --no-headers
expect_out "describe node" 'Name: +node-a' k describe node node-a
expect_out "metrics endpoint" 'daas_apiserver_request_total' k get --raw /metrics
expect_out "openapi v3 root" 'apis/apps/v1' k get --raw /openapi/v3
expect_out "unknown resource type" "the server doesn't have a resource type \"foo\"" \
  bash -c "! kubectl --cache-dir $T/cache get foo 2>&1"
done_tests
