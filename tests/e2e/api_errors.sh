#!/usr/bin/env bash
# Bad input gets a Kubernetes Status with the right code and reason, and nothing is stored.
source "$(dirname "$0")/lib/common.sh"
start_server --token-auth-file "$(dirname "$0")/lib/tokens.csv"

CM=/api/v1/namespaces/default/configmaps
J=(-H 'Content-Type: application/json')
# What is stored, as (namespace, name, resourceVersion) of every ConfigMap and Secret: the
# store's global revision also moves with the controllers' Lease renewals.
stored() {
  for r in configmaps secrets; do api GET "/api/v1/$r" | head -n1; done | python3 -c '
import json, sys
for line in sys.stdin:
    for o in json.loads(line)["items"]:
        m = o["metadata"]; print(m.get("namespace"), m["name"], m["resourceVersion"])' | sort
}
rv0=$(stored)

expect_status "malformed JSON" 400 BadRequest POST "$CM" "${J[@]}" -d '{"apiVersion":"v1",'
expect_status "malformed protobuf" 400 BadRequest POST "$CM" -H 'Content-Type: application/vnd.kubernetes.protobuf' --data-binary 'k8s\0garbage'
expect_status "unknown media type" 415 UnsupportedMediaType POST "$CM" -H 'Content-Type: text/csv' -d 'a,b'
expect_status "wrong kind in body" 400 BadRequest POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}'
expect_status "wrong apiVersion in body" 400 BadRequest POST "$CM" "${J[@]}" -d '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}'
expect_status "invalid name" 422 Invalid POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}'
out=$(api POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}')
grep -q '"field":"metadata.name"' <<<"$out" || { echo "$out"; fail "invalid name: no field cause"; }
pass "invalid name carries a metadata.name cause"
expect_status "unknown field under Strict" 400 BadRequest POST "$CM?fieldValidation=Strict" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"dataa":{}}'
expect_status "namespace mismatch" 400 BadRequest POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}'
expect_status "missing namespace" 404 NotFound POST /api/v1/namespaces/nope/configmaps "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}'
python3 -c 'print("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + "x"*(4*1024*1024) + "\"}}")' >"$T/big.json"
expect_status "oversize body" 413 RequestEntityTooLarge POST "$CM" "${J[@]}" --data-binary "@$T/big.json"
expect_status "unknown path" 404 NotFound GET /api/v1/foos
expect_status "unknown group" 404 NotFound GET /apis/nope.example.com/v1/things
expect_status "unsupported verb" 405 MethodNotAllowed POST /api/v1/namespaces/default/configmaps/x "${J[@]}" -d '{}'
expect_status "get missing object" 404 NotFound GET "$CM/nope"
rv1=$(stored)
[ "$rv0" = "$rv1" ] || { diff <(echo "$rv0") <(echo "$rv1"); fail "bad requests changed the store"; }
pass "no bad request changed the store"

api POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}' >/dev/null
expect_status "create twice" 409 AlreadyExists POST "$CM" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}'
expect_status "stale resourceVersion on update" 409 Conflict PUT "$CM/c" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"1"},"data":{"a":"2"}}'
expect_status "name mismatch on update" 400 BadRequest PUT "$CM/c" "${J[@]}" -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"}}'
expect_status "bad patch type" 415 UnsupportedMediaType PATCH "$CM/c" -H 'Content-Type: application/xml' -d '<x/>'
expect_status "malformed merge patch" 400 BadRequest PATCH "$CM/c" -H 'Content-Type: application/merge-patch+json' -d '{"data":'
expect_status "bad label selector" 400 BadRequest GET "$CM?labelSelector=a%20in%20(b"
expect_status "unsupported field selector" 400 BadRequest GET "$CM?fieldSelector=spec.foo%3Dx"
expect_status "bad continue token" 400 BadRequest GET "$CM?limit=1&continue=garbage"
out=$(api GET "$CM/c")
grep -q '"a":"1"' <<<"$out" || { echo "$out"; fail "failed updates changed the object"; }
pass "failed updates left the object as it was"

# Authentication.
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/namespaces")
[ "$code" = 401 ] || fail "anonymous request: HTTP $code, want 401"
pass "anonymous requests get 401"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token' "https://127.0.0.1:$PORT/api/v1/namespaces")
[ "$code" = 401 ] || fail "bad token: HTTP $code, want 401"
pass "a bad bearer token gets 401"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer e2e-test-token-0123456789' "https://127.0.0.1:$PORT/api/v1/namespaces")
[ "$code" = 200 ] || fail "good token: HTTP $code, want 200"
pass "a token from the token file works"
kubectl config --kubeconfig "$T/tok.kubeconfig" set-cluster c --server="https://127.0.0.1:$PORT" --insecure-skip-tls-verify=true >/dev/null
kubectl config --kubeconfig "$T/tok.kubeconfig" set-credentials u --token=wrong >/dev/null
kubectl config --kubeconfig "$T/tok.kubeconfig" set-context c --cluster=c --user=u >/dev/null
kubectl config --kubeconfig "$T/tok.kubeconfig" use-context c >/dev/null
expect_err "kubectl with a bad token" 'You must be logged in to the server' \
  env KUBECONFIG="$T/tok.kubeconfig" kubectl --cache-dir "$T/cache2" get ns
# Without Seal key servers a Secret (or a sensitive ConfigMap) is refused, never stored in
# plaintext; an ordinary ConfigMap is not affected.
expect_err "a Secret is refused without Seal" \
  'Secrets cannot be stored: this server has no Seal key servers' \
  k create secret generic nope --from-literal=password=hunter2
expect_status "the refusal is a 503 Status" 503 ServiceUnavailable POST /api/v1/namespaces/default/secrets \
  -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"nope"},"data":{"a":"Yg=="}}'
expect_status "no Secret was stored" 404 NotFound GET /api/v1/namespaces/default/secrets/nope
expect_err "a sensitive ConfigMap is refused without Seal" 'ConfigMaps cannot be stored' \
  k create -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: sens, annotations: {daas.io/sensitive: "true"}}
data: {k: v}
YAML
expect_out "an ordinary ConfigMap is stored" '^configmap/plain created' \
  k create configmap plain --from-literal=k=v
done_tests
