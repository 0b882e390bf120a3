#!/usr/bin/env bash
# agent_volumes.sh: what a pod's containers get from the cluster, end to end: `daas server
# --dev` (Seal key servers, a DecryptionPolicy, the debug scheduler enclave), a real registry
# with busybox, a node-staked `daas agent --seal-config`. A pod takes a ConfigMap and a
# sealed Secret as environment variables (env valueFrom, envFrom) and as files (configMap and
# secret volumes, an item with its own path, the downward API); its output shows them in the
# container's log. The Secret's volume is a tmpfs on the host while the pod lives, its
# plaintext is nowhere on the agent's disk nor in the agent's log, and the tmpfs is gone
# after the pod is deleted. The node's own token may get the Secret its pod references and
# not another one (node authorization). A pod naming a missing ConfigMap shows
# CreateContainerConfigError with the kubelet's message. An image in a registry behind Basic
# auth is pulled with the pod's imagePullSecret (sealed like every Secret), and not without.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/registry.sh"
source "$(dirname "$0")/lib/worker.sh"
worker_cluster --seal-config "$DATA/seal/seal.json"

SECRET="s3cr3t-$RANDOM$RANDOM"
k create configmap app-cfg --from-literal=k=config-value --from-literal=mode=fast >/dev/null ||
  fail "create configmap"
k create secret generic app-sec --from-literal=K="$SECRET" --from-literal=user=admin >/dev/null ||
  fail "create secret"
k create secret generic unrelated --from-literal=x=y >/dev/null || fail "create secret"

pod_uid() { k get pod "$1" -o 'jsonpath={.metadata.uid}'; }

k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: vols, labels: {app: vols}}
spec:
  restartPolicy: Never
  containers:
  - name: volumes # a name that must not collide with the pod's volumes directory
    image: "$IMG"
    command: [sh, -c]
    args:
    - |
      echo "file-k=\$(cat /etc/cfg/k)"
      echo "item=\$(cat /etc/items/nested/mode.txt)"
      echo "env-K=\$K"
      echo "envfrom-mode=\$CFG_mode"
      echo "expanded=\$GREETING"
      echo "file-K=\$(cat /etc/sec/K)"
      echo "pod=\$POD_NAME app=\$APP"
      echo "sec-fs=\$(awk '\$2=="/etc/sec" {print \$3}' /proc/mounts)"
      echo "sec-ro=\$(touch /etc/sec/x 2>/dev/null && echo rw || echo ro)"
      echo scratch >/scratch/f && echo "scratch=\$(cat /scratch/f)"
      sleep 4
    env:
    - {name: K, valueFrom: {secretKeyRef: {name: app-sec, key: K}}}
    - {name: WHO, valueFrom: {configMapKeyRef: {name: app-cfg, key: k}}}
    - {name: GREETING, value: "hello-\$(WHO)"}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: app-cfg}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: items, mountPath: /etc/items}
    - {name: sec, mountPath: /etc/sec}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: cfg, configMap: {name: app-cfg}}
  - {name: items, configMap: {name: app-cfg, items: [{key: mode, path: nested/mode.txt}]}}
  - {name: sec, secret: {secretName: app-sec, defaultMode: 0400}}
  - {name: scratch, emptyDir: {}}
YAML
wait_phase vols Running 60 || fail "the pod with volumes did not start"
UID_VOLS=$(pod_uid vols)
SECVOL=$T/agent/pods/$UID_VOLS/volumes/sec
expect_out "the Secret's volume is a tmpfs on the host" '^tmpfs$' \
  awk -v p="$SECVOL" '$2 == p {print $3}' /proc/self/mounts
expect_out "mode 0700, its files 0400" '^700 400$' \
  bash -c "stat -c %a '$SECVOL' | tr '\n' ' '; stat -c %a '$SECVOL/K'"
wait_phase vols Succeeded 30 || fail "the pod with volumes did not succeed"
LOG=$(k logs vols)
for want in "file-k=config-value" "item=fast" "env-K=$SECRET" "envfrom-mode=fast" \
  "expanded=hello-config-value" "file-K=$SECRET" "pod=vols app=vols" "sec-fs=tmpfs" \
  "sec-ro=ro" "scratch=scratch"; do
  grep -qxF -- "$want" <<<"$LOG" || { echo "$LOG"; fail "the container did not print $want"; }
done
pass "ConfigMap and Secret reach the container as env (valueFrom, envFrom, \$(VAR)) and files"

# The plaintext is in the container's own log (it printed it) and nowhere else on disk.
# (-xdev: the tmpfs mounts, runtime state and the Secret volume, are memory, not disk)
if find "$T/agent" -xdev -path "$T/agent/runtime/logs" -prune -o -type f -print0 |
  xargs -0 -r grep -laF -- "$SECRET"; then
  fail "the Secret's plaintext is on the agent's disk"
fi
expect_out "the runtime state (configs with env values) is on tmpfs" '^tmpfs tmpfs$' \
  bash -c "awk -v p='$T/agent/runtime/bundles' '\$2 == p {printf \"%s \", \$3}' /proc/self/mounts;
           awk -v p='$T/agent/runtime/runc' '\$2 == p {print \$3}' /proc/self/mounts"
grep -qF -- "$SECRET" "$T/agent.log" && fail "the Secret's plaintext is in the agent's log"
pass "no plaintext on the agent's disk or in its log"

k delete pod vols --wait=false >/dev/null
for _ in $(seq 300); do k get pod vols >/dev/null 2>&1 || break; sleep 0.1; done
k get pod vols >/dev/null 2>&1 && fail "the pod was not deleted"
for _ in $(seq 100); do [ -e "$T/agent/pods/$UID_VOLS/volumes" ] || break; sleep 0.1; done
awk -v p="$SECVOL" '$2 == p' /proc/self/mounts | grep -q . && fail "the tmpfs is still mounted"
[ -e "$T/agent/pods/$UID_VOLS/volumes" ] && fail "the pod's volumes were not removed"
pass "deleting the pod unmounts and removes its volumes"

# ---- node authorization with the node's own token ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: holder}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: "$IMG", command: [sh, -c, "sleep 30"], env: [{name: U, valueFrom: {secretKeyRef: {name: app-sec, key: user}}}]}
YAML
wait_phase holder Running 60 || fail "holder did not start"
NODE_TOKEN=$("$DAAS_BIN" auth token --key w1 --cluster-id "$(cat "$DATA/cluster-id")" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["token"])')
kn() { timeout 60 kubectl --cache-dir "$T/cache" --kubeconfig /dev/null --server "https://127.0.0.1:$PORT" \
  --certificate-authority "$DATA/tls/ca.crt" --token "$NODE_TOKEN" "$@"; }
expect_out "the node gets the Secret its pod references" '^secret/app-sec$' kn get secret app-sec -o name
expect_err "but not another Secret" 'secrets "unrelated" is forbidden.*role node may get only Secrets' \
  kn get secret unrelated
expect_err "nor list Secrets" 'forbidden' kn get secrets
k delete pod holder --wait=false >/dev/null

# ---- a missing ConfigMap ----
k run needs-cfg --image="$IMG" --restart=Never \
  --overrides='{"spec":{"containers":[{"name":"needs-cfg","image":"'"$IMG"'","envFrom":[{"configMapRef":{"name":"ghost"}}]}]}}' >/dev/null
for _ in $(seq 300); do
  r=$(k get pod needs-cfg -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].state.waiting.message}' 2>/dev/null)
  [[ "$r" == CreateContainerConfigError* ]] && break; sleep 0.1
done
[[ "$r" == 'CreateContainerConfigError configmap "ghost" not found' ]] ||
  fail "a missing ConfigMap: got '$r'"
pass "a missing ConfigMap: CreateContainerConfigError, configmap \"ghost\" not found"

# ---- an image behind Basic auth, pulled with the pod's (sealed) imagePullSecret ----
start_auth_registry() { # a second docker-registry with htpasswd (bcrypt) user puller:$1
  local rport hash
  rport=$(free_port)
  hash=$(python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$1")
  mkdir -p "$T/areg"
  echo "puller:$hash" >"$T/areg/htpasswd"
  cat >"$T/areg/config.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T/areg/data}}
http: {addr: 127.0.0.1:$rport}
auth: {htpasswd: {realm: daas-e2e, path: $T/areg/htpasswd}}
YML
  docker-registry serve "$T/areg/config.yml" >"$T/areg.log" 2>&1 &
  AREG_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$rport/v2/" && break; sleep 0.1; done
  AREG=127.0.0.1:$rport
}
PULLPW="pull-$RANDOM$RANDOM"
start_auth_registry "$PULLPW"
trap 'st=$?; set +e; kill "$AREG_PID" 2>/dev/null; stop_agent; remove_containers; stop_registry; (exit $st); cleanup' EXIT
skopeo copy --quiet "oci:$T/oci:1" "docker://$AREG/private/busybox:1" --dest-tls-verify=false \
  --dest-creds "puller:$PULLPW" >/dev/null || fail "push to the registry with auth"
stop_agent
join_agent "$T/agent2.log" --key w1 --node-name w1 --chain "$DATA/devnet/chain.json" \
  --seal-config "$DATA/seal/seal.json" --insecure-registry "$REG" --insecure-registry "$AREG" --max-grace 3
k create secret docker-registry regcred --docker-server="$AREG" --docker-username=puller \
  --docker-password="$PULLPW" >/dev/null || fail "create the pull secret"
k run private --image="$AREG/private/busybox:1" --restart=Never \
  --overrides='{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}' --command -- sh -c 'echo private-ran' >/dev/null
k run private-nocreds --image="$AREG/private/busybox:1" --restart=Never --command -- sh -c 'echo nocreds-ran' >/dev/null
wait_phase private Succeeded 60 || fail "the image behind Basic auth was not pulled with the pull secret"
pass "an image behind Basic auth is pulled with the pod's (sealed) imagePullSecret"
for _ in $(seq 300); do
  r=$(k get pod private-nocreds -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null)
  [ "$r" = ErrImagePull ] && break; sleep 0.1
done
[ "$r" = ErrImagePull ] || fail "without a pull secret: got '$r', want ErrImagePull"
pass "without the pull secret: ErrImagePull"
grep -qF -- "$PULLPW" "$T/agent2.log" && fail "the registry password is in the agent's log"
if grep -rqaF -- "$PULLPW" "$T/agent" 2>/dev/null; then fail "the registry password is on the agent's disk"; fi
pass "the registry password is neither logged nor on disk"

stop_agent || fail "the agent did not exit cleanly"
done_tests
