#!/usr/bin/env bash
# The write side of specs/kube-api.md §10 with the real kubectl: generators (protobuf bodies),
# create/apply (client- and server-side)/replace/edit/patch/label/annotate/scale/delete.
source "$(dirname "$0")/lib/common.sh"
start_server --insecure-unsealed-secrets

# Generators: kubectl 1.32 sends these as Kubernetes protobuf.
expect_out "create namespace (protobuf)" '^namespace/team1 created' k create namespace team1
expect_out "create configmap (protobuf)" '^configmap/c1 created' \
  k -n team1 create configmap c1 --from-literal=a=1 --from-literal=b=two
expect_out "configmap data decoded" '^two$' k -n team1 get cm c1 -o 'jsonpath={.data.b}'
expect_out "create secret (protobuf)" '^secret/s1 created' \
  k -n team1 create secret generic s1 --from-literal=password=hunter2
expect_out "secret data is base64" '^aHVudGVyMg==$' k -n team1 get secret s1 -o 'jsonpath={.data.password}'
expect_out "create deployment (protobuf)" '^deployment.apps/d1 created' \
  k -n team1 create deployment d1 --image=nginx:1.27 --replicas=2 --port=8080 -- /bin/sh -c 'echo hi'
expect_out "deployment spec decoded" '^2 nginx:1.27 8080$' k -n team1 get deploy d1 \
  -o 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}'
expect_out "create service (protobuf)" '^service/svc2 created' k -n team1 create service clusterip svc2 --tcp=80:8080
expect_out "service got a ClusterIP" '^10\.43\.[0-9]+\.[0-9]+$' k -n team1 get svc svc2 -o 'jsonpath={.spec.clusterIP}'
expect_out "create serviceaccount (protobuf)" '^serviceaccount/sa1 created' k -n team1 create serviceaccount sa1
expect_out "run" '^pod/r1 created' k -n team1 run r1 --image=nginx
expect_out "expose" '^service/d1 exposed' k -n team1 expose deployment d1 --port=80 --target-port=8080

# apply, client side: new, changed, unchanged.
cat >"$T/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: team1}
spec:
  replicas: 1
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: app, image: busybox:1.36, command: [sleep, "3600"]}]
YAML
expect_out "apply new" '^deployment.apps/hello created' k apply -f "$T/deploy.yaml"
sed -i 's/replicas: 1/replicas: 3/; s/busybox:1.36/busybox:1.37/' "$T/deploy.yaml"
expect_out "apply changed (strategic merge)" '^deployment.apps/hello configured' k apply -f "$T/deploy.yaml"
expect_out "apply changed took effect" '^3 busybox:1.37$' k -n team1 get deploy hello \
  -o 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}'
expect_out "generation bumped on spec change" '^2$' k -n team1 get deploy hello -o 'jsonpath={.metadata.generation}'
expect_out "apply unchanged" '^deployment.apps/hello unchanged' k apply -f "$T/deploy.yaml"

# apply, server side.
cat >"$T/cm-ssa.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: ssa, namespace: team1, labels: {owner: me}}
data: {a: "1", b: "2"}
YAML
expect_out "apply --server-side new" 'configmap/ssa serverside-applied' k apply --server-side -f "$T/cm-ssa.yaml"
sed -i 's/b: "2"/c: "3"/' "$T/cm-ssa.yaml"
sed -i 's/data: {a: "1", b: "2"}/data: {a: "1", c: "3"}/' "$T/cm-ssa.yaml"
expect_out "apply --server-side again" 'configmap/ssa serverside-applied' k apply --server-side -f "$T/cm-ssa.yaml"
expect_out "server-side apply removed the field it no longer applies" '^\{"a":"1","c":"3"\}$' \
  k -n team1 get cm ssa -o 'jsonpath={.data}'
expect_out "managedFields record the apply" 'manager: kubectl' \
  k -n team1 get cm ssa -o yaml --show-managed-fields
k -n team1 patch cm ssa --type merge -p '{"data":{"a":"changed"}}' >/dev/null
expect_err "apply --server-side conflict" 'conflict' k apply --server-side -f "$T/cm-ssa.yaml"
expect_out "apply --server-side --force-conflicts" 'serverside-applied' \
  k apply --server-side --force-conflicts -f "$T/cm-ssa.yaml"

# replace: stale resourceVersion is a conflict; without one it succeeds.
k -n team1 get cm c1 -o yaml >"$T/c1.yaml"
k -n team1 label cm c1 touched=yes >/dev/null
expect_err "replace with a stale resourceVersion" 'Conflict.*the object has been modified' k replace -f "$T/c1.yaml"
sed -i '/resourceVersion:/d' "$T/c1.yaml"
expect_out "replace without resourceVersion" '^configmap/c1 replaced' k replace -f "$T/c1.yaml"

# edit, non-interactive.
cat >"$T/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/a: "1"/a: "edited"/' "$1"
SH
chmod +x "$T/editor.sh"
expect_out "edit" '^configmap/c1 edited' env KUBE_EDITOR="$T/editor.sh" kubectl --cache-dir "$T/cache" -n team1 edit cm c1
expect_out "edit took effect" '^edited$' k -n team1 get cm c1 -o 'jsonpath={.data.a}'

# patch: strategic (default), merge, json, subresource scale.
expect_out "patch strategic" 'patched' k -n team1 patch deploy hello -p \
  '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:1.38"}]}}}}'
expect_out "strategic merge kept the command" '^busybox:1.38 sleep$' k -n team1 get deploy hello \
  -o 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[0]}'
expect_out "patch merge" 'patched' k -n team1 patch cm c1 --type merge -p '{"data":{"m":"x"}}'
expect_out "patch json" 'patched' k -n team1 patch cm c1 --type json -p '[{"op":"add","path":"/data/j","value":"y"},{"op":"remove","path":"/data/m"}]'
expect_out "patches took effect" '^y-$' k -n team1 get cm c1 -o 'jsonpath={.data.j}-{.data.m}'
expect_err "json patch test failure" 'Invalid|test' k -n team1 patch cm c1 --type json -p '[{"op":"test","path":"/data/j","value":"nope"}]'
expect_out "patch --subresource scale" 'patched' k -n team1 patch deploy hello --subresource scale --type merge -p '{"spec":{"replicas":5}}'
expect_out "scale" '^deployment.apps/hello scaled' k -n team1 scale deploy hello --replicas=2
expect_out "scale took effect" '^2$' k -n team1 get deploy hello -o 'jsonpath={.spec.replicas}'
expect_out "set image" 'image updated' k -n team1 set image deploy/hello app=busybox:1.39
expect_out "rollout restart" 'restarted' k -n team1 rollout restart deploy/hello
expect_out "restart annotation set" 'restartedAt' k -n team1 get deploy hello -o 'jsonpath={.spec.template.metadata.annotations}'

# label / annotate.
expect_out "label" '^pod/r1 labeled' k -n team1 label pod r1 env=test
expect_out "label shown" 'env=test' k -n team1 get pod r1 --show-labels
expect_out "label removal" '^pod/r1 unlabeled' k -n team1 label pod r1 env-
expect_out "annotate" '^pod/r1 annotated' k -n team1 annotate pod r1 note=hello
expect_out "annotation stored" '^hello$' k -n team1 get pod r1 -o 'jsonpath={.metadata.annotations.note}'

# create with generateName and server-side dry run.
cat >"$T/gen.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {generateName: gen-, namespace: team1}
data: {x: "1"}
YAML
expect_out "create with generateName" '^configmap/gen-[bcdfghjklmnpqrstvwxz2456789]{5} created' k create -f "$T/gen.yaml"
expect_out "create --dry-run=server" 'name: dry' k -n team1 create configmap dry --from-literal=a=b --dry-run=server -o yaml
expect_err "dry run stored nothing" 'NotFound' k -n team1 get cm dry

# delete: one object, -l, --all, -f, and the namespace with everything in it.
expect_out "delete pod" '^pod "r1" deleted' k -n team1 delete pod r1
expect_err "deleted pod is gone" 'NotFound' k -n team1 get pod r1
k -n team1 label cm c1 grp=x >/dev/null
expect_out "delete -l" 'configmap "c1" deleted' k -n team1 delete cm -l grp=x
expect_out "delete -f" 'deployment.apps "hello" deleted' k delete -f "$T/deploy.yaml"
expect_out "delete --all" 'deleted' k -n team1 delete cm --all
expect_out "delete namespace waits for its contents" '^namespace "team1" deleted' k delete ns team1 --timeout=60s
expect_err "namespace is gone" 'NotFound' k get ns team1
expect_err "its deployment is gone" 'NotFound' k -n team1 get deploy d1
done_tests
