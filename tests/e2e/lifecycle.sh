#!/usr/bin/env bash
# Object lifecycle: finalizers hold a deleted object until removed; propagation policies
# (Orphan, Foreground) through their finalizers; deletecollection; binding and status
# subresources; namespace termination refusing new content.
source "$(dirname "$0")/lib/common.sh"
start_server
J=(-H 'Content-Type: application/json')

# Finalizers.
cat >"$T/fin.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: held, finalizers: [example.com/hold]}
data: {a: "1"}
YAML
k create -f "$T/fin.yaml" >/dev/null
expect_out "delete of an object with a finalizer returns at once with --wait=false" 'deleted' k delete cm held --wait=false
expect_out "it stays, marked for deletion" '^[0-9TZ:-]+$' k get cm held -o 'jsonpath={.metadata.deletionTimestamp}'
expect_out "removing the finalizer" 'patched' k patch cm held --type merge -p '{"metadata":{"finalizers":null}}'
expect_err "then it is gone" 'NotFound' k get cm held
# Every kind of update releases it the same way (upstream's Update: deleteWithoutFinalizers):
# the reply is the object as the update made it (being deleted, no finalizer) and watchers
# see one DELETED event, no MODIFIED.
held() {
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, finalizers: [example.com/hold]}\n' "$1" |
    k create -f - >/dev/null
  k delete cm "$1" --wait=false >/dev/null
}
held held-json
rv=$(k get cm held-json -o 'jsonpath={.metadata.resourceVersion}')
expect_out "a JSON patch removing the last finalizer answers with the released object" \
  '^[0-9TZ:-]+ rv='"$rv"'$' k patch cm held-json --type json \
  -p '[{"op":"remove","path":"/metadata/finalizers"}]' \
  -o 'jsonpath={.metadata.deletionTimestamp}{.metadata.finalizers} rv={.metadata.resourceVersion}'
expect_err "and the object is gone" 'NotFound' k get cm held-json
out=$(api GET "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=1&fieldSelector=metadata.name%3Dheld-json")
[ "$(grep -o '"type":"[A-Z]*"' <<<"$out" | tr '\n' ' ')" = '"type":"DELETED" ' ] ||
  { echo "$out"; fail "a watch from before the patch sees exactly one DELETED event"; }
pass "a watch from before the patch sees exactly one DELETED event"
held held-sm
expect_out "a strategic merge patch releases it" 'patched' k patch cm held-sm \
  -p '{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/hold"]}}'
expect_err "and the object is gone" 'NotFound' k get cm held-sm
held held-put
k get cm held-put -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); o["metadata"]["finalizers"]=[]; print(json.dumps(o))' >"$T/put.json"
expect_out "kubectl replace without the finalizer releases it" 'replaced' k replace -f "$T/put.json"
expect_err "and the object is gone" 'NotFound' k get cm held-put

# Orphan and Foreground propagation through owner references.
owner_uid() { k get cm "$1" -o 'jsonpath={.metadata.uid}'; }
mk_dependent() {
  api POST /api/v1/namespaces/default/configmaps "${J[@]}" -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"$1\",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"$2\",\"uid\":\"$3\"}]}}" >/dev/null
}
k create configmap parent1 >/dev/null
mk_dependent child1 parent1 "$(owner_uid parent1)"
expect_out "delete --cascade=orphan" 'configmap "parent1" deleted' k delete cm parent1 --cascade=orphan --timeout=30s
expect_out "the orphan survives without its owner reference" '^$' k get cm child1 -o 'jsonpath={.metadata.ownerReferences}'
k create configmap parent2 >/dev/null
mk_dependent child2 parent2 "$(owner_uid parent2)"
expect_out "delete --cascade=foreground" 'configmap "parent2" deleted' k delete cm parent2 --cascade=foreground --timeout=30s
expect_err "the dependent went first" 'NotFound' k get cm child2

# deletecollection through the raw API.
for i in 1 2 3; do k create configmap "dc$i" >/dev/null; k label cm "dc$i" batch=x >/dev/null; done
expect_status "deletecollection by label" 200 "" DELETE "/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dx"
expect_out "deletecollection removed exactly the labelled ones" '^child1 ' k get cm --no-headers

# Binding and status subresources.
k run bound --image=busybox >/dev/null
expect_status "binding a pod" 201 "" POST /api/v1/namespaces/default/pods/bound/binding "${J[@]}" \
  -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"apiVersion":"v1","kind":"Node","name":"node-a"}}'
expect_out "binding set spec.nodeName" '^node-a$' k get pod bound -o 'jsonpath={.spec.nodeName}'
expect_status "a pod binds once" 409 Conflict POST /api/v1/namespaces/default/pods/bound/binding "${J[@]}" \
  -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"apiVersion":"v1","kind":"Node","name":"node-b"}}'
expect_out "patch --subresource status" 'patched' k patch pod bound --subresource status --type merge -p '{"status":{"phase":"Running","podIP":"10.42.0.9"}}'
expect_out "status written" '^Running 10.42.0.9$' k get pod bound -o 'jsonpath={.status.phase} {.status.podIP}'
expect_out "a main-resource patch cannot change status" 'patched' k patch pod bound --type merge -p '{"status":{"phase":"Failed"},"metadata":{"labels":{"x":"y"}}}'
expect_out "status kept" '^Running$' k get pod bound -o 'jsonpath={.status.phase}'
expect_status "logs placeholder until an agent exists" 503 ServiceUnavailable GET /api/v1/namespaces/default/pods/bound/log

# A terminating namespace refuses new content.
k create namespace doomed >/dev/null
cat >"$T/hold.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: hold, namespace: doomed, finalizers: [example.com/hold]}
YAML
k create -f "$T/hold.yaml" >/dev/null
k delete ns doomed --wait=false >/dev/null
expect_out "namespace is Terminating while content is held" 'Terminating' k get ns doomed
# (The store itself keeps changing: the controllers' leader Lease is renewed every 2 s.)
rev() { k get ns doomed -o jsonpath='{.metadata.resourceVersion}'; k get cm hold -n doomed -o jsonpath='{.metadata.resourceVersion}'; }
r1=$(rev); sleep 2; r2=$(rev)
[ "$r1" = "$r2" ] || fail "the namespace kept changing ($r1 -> $r2) while it waited: a controller loop"
pass "nothing is rewritten while a finalizer holds the namespace's content"
expect_err "creates in a terminating namespace are forbidden" 'forbidden: unable to create new content in namespace doomed because it is being terminated' k -n doomed create configmap late
k -n doomed patch cm hold --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null
for _ in $(seq 50); do k get ns doomed >/dev/null 2>&1 || break; sleep 0.2; done
expect_err "the namespace finishes once its content is gone" 'NotFound' k get ns doomed
done_tests
