#!/usr/bin/env bash
# admission.sh: issue 9's admission, end to end on `daas server --dev` (devnet, debug
# enclave, the host's agent with runc): a privileged pod in a namespace labelled
# pod-security.kubernetes.io/enforce=restricted is refused by kubectl with Kubernetes' words;
# a warn-labelled namespace gets kubectl's "Warning: would violate PodSecurity"; once the
# chain's ClusterRules allow only docker.io/library/, an image from elsewhere is refused
# (workloads too) while an allowed pod runs, carrying the enclave's signed admission proof;
# a pod whose admission proof was removed in the datastore (server stopped, the row
# rewritten) does not run: the agent refuses it with a FailedAdmissionProof event.
source "$(dirname "$0")/lib/common.sh"

mkdir -p "$DATA/agent"
"$(dirname "$0")/../../scripts/busybox-image.sh" "$T/busybox.tar" dev || fail "building the busybox image"
"$DAAS_BIN" image import "$T/busybox.tar" --name busybox --store "$DATA/agent/images" >/dev/null ||
  fail "importing the image"

drain() { k delete pods --all -A --wait=true --timeout=60s >/dev/null 2>&1; }
trap 'st=$?; set +e; [ -n "$SERVER_PID" ] && drain; (exit $st); cleanup' EXIT
start_server --dev --devnet-epoch-ms 1000
node=
for _ in $(seq 600); do
  node=$(k get nodes -o 'jsonpath={.items[?(@.status.conditions[-1].status=="True")].metadata.name}' 2>/dev/null)
  [ -n "$node" ] && break; sleep 0.1
done
[ -n "$node" ] || { tail -20 "$DATA/agent.log"; fail "the dev agent's Node never became Ready"; }

# ---- Pod Security Standards, per namespace ----
k create namespace locked >/dev/null
k label namespace locked pod-security.kubernetes.io/enforce=restricted >/dev/null
PRIV='{"spec":{"containers":[{"name":"priv","image":"busybox:dev","securityContext":{"privileged":true}}]}}'
expect_err "a privileged pod in a restricted namespace is refused as Kubernetes refuses it" \
  '^Error from server \(Forbidden\): pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "priv" must not set securityContext\.privileged=true\), allowPrivilegeEscalation != false \(container "priv" must set securityContext\.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "priv" must set securityContext\.capabilities\.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "priv" must set securityContext\.runAsNonRoot=true\), seccompProfile \(pod or container "priv" must set securityContext\.seccompProfile\.type to "RuntimeDefault" or "Localhost"\)$' \
  k run priv -n locked --image=busybox:dev --restart=Never --overrides="$PRIV"
expect_err "and nothing was stored" 'NotFound' k get pod priv -n locked
GOOD='{"spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"good","image":"busybox:dev","command":["sleep","3600"],"securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}'
expect_out "a pod meeting restricted is admitted there" 'pod/good created' \
  k run good -n locked --image=busybox:dev --restart=Never --overrides="$GOOD"
expect_out "a Deployment of privileged pods is not enforced (as upstream: templates warn only)" \
  'deployment.apps/privdep created' \
  k create deployment privdep -n locked --image=busybox:dev --dry-run=server
k create namespace warned >/dev/null
k label namespace warned pod-security.kubernetes.io/warn=baseline >/dev/null
expect_out "a warn namespace admits with kubectl's Warning" \
  '^Warning: would violate PodSecurity "baseline:latest": privileged \(container "priv" must not set securityContext\.privileged=true\)$' \
  k run priv -n warned --image=busybox:dev --restart=Never --overrides="$PRIV" --dry-run=server

# ---- cluster rules on chain ----
rules() { timeout 60 "$DAAS_BIN" rules "$@" --chain "$DATA/devnet/chain.json"; }
rules set --key "$DATA/devnet/publisher.keystore" --registry docker.io/library/ >"$T/rules.out" 2>&1 ||
  { cat "$T/rules.out"; fail "daas rules set"; }
expect_out "the chain's rules allow only docker.io/library/ (version 2)" '^version: +2$' rules show
refused() { # the server reads the rules again within seconds
  k run evil --image=evil.example/busybox:dev --restart=Never 2>&1 | grep -q 'violates cluster rules v2'
}
for _ in $(seq 150); do refused && break; sleep 0.1; done
expect_err "an image from a registry off the allow-list is refused" \
  '^Error from server \(Forbidden\): pods "evil" is forbidden: violates cluster rules v2: disallowed image registry \(container "evil" uses image "evil\.example/busybox:dev"' \
  k run evil --image=evil.example/busybox:dev --restart=Never
expect_err "so is a Deployment whose template uses one" 'violates cluster rules v2' \
  k create deployment evildep --image=evil.example/busybox:dev
k run hello --image=busybox:dev --image-pull-policy=IfNotPresent --restart=Never \
  --command -- sh -c "echo admitted-$PORT; sleep 3600" >/dev/null
for _ in $(seq 300); do
  [ "$(k get pod hello -o 'jsonpath={.status.phase}')" = Running ] && break; sleep 0.1
done
expect_out "an allowed pod runs" "^Running $node\$" \
  k get pod hello -o 'jsonpath={.status.phase} {.spec.nodeName}'
k get pod hello -o json >"$T/hello.json"
python3 - "$T/hello.json" <<'PY' || fail "hello's admission proof"
import json, sys
p = json.load(open(sys.argv[1]))
a = json.loads(p["metadata"]["annotations"]["daas.io/admission-proof"])
assert a["v"] == 1 and len(a["signature"]) == 128 and a["enclave"].startswith("0x"), a
assert len(a["request"]) > 0 and len(a["decision"]) > 0, a
PY
pass "hello carries the enclave's signed admission proof"
k annotate pod hello daas.io/admission-proof=forged --overwrite >/dev/null
expect_out "a client cannot replace the proof (the stored one stays)" '^\{"v":1,"request":"' \
  k get pod hello -o 'jsonpath={.metadata.annotations.daas\.io/admission-proof}'

# ---- a pod without an admission decision in the datastore does not run ----
stop_server || fail "the server did not stop cleanly"
python3 - "$T/hello.json" "$T/stripped.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["metadata"]["annotations"]["daas.io/admission-proof"]
for f in ("resourceVersion",):
    p["metadata"].pop(f, None)
p.pop("status", None)
open(sys.argv[2], "w").write(json.dumps(p, separators=(",", ":")))
PY
KEY=/registry/pods/default/hello
if datastore_is_etcd; then
  ectl put "$KEY" <"$T/stripped.json" >/dev/null || fail "etcdctl put"
else
  python3 - "$DATA/db/state.db" "$KEY" "$T/stripped.json" <<'PY' || fail "rewriting the SQLite row"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key, val = sys.argv[2], open(sys.argv[3], "rb").read()
top = db.execute("SELECT COALESCE(MAX(id), 0) FROM kine").fetchone()[0]
prev, created = db.execute("SELECT id, create_revision FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1", (key,)).fetchone()
db.execute("INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value)"
           " VALUES (?, ?, 0, 0, ?, ?, ?)", (top + 1, key, created, prev, val))
db.commit()
PY
fi
pass "hello's admission proof removed in the datastore, behind the server's back"
start_server --dev --devnet-epoch-ms 1000
refusal() { k get events --field-selector involvedObject.name=hello -o json | grep -q 'no admission decision'; }
for _ in $(seq 300); do refusal && break; sleep 0.1; done
refusal || { k get events; tail -20 "$DATA/agent.log"; fail "no FailedAdmissionProof event for hello"; }
pass "the agent refuses hello: FailedAdmissionProof \"no admission decision\""
for _ in $(seq 100); do pgrep -f "echo admitted-$PORT" >/dev/null || break; sleep 0.1; done
if pgrep -f "echo admitted-$PORT" >/dev/null; then fail "hello still runs without an admission decision"; fi
pass "hello does not run"
expect_err "daas verify pod (the agent's checks, keys from the chain) refuses it too" \
  'REFUSED default/hello: no admission decision' \
  bash -c "kubectl --cache-dir $T/cache get pod hello -o json | DAAS_CHAIN=$DATA/devnet/chain.json '$DAAS_BIN' verify pod -"
done_tests
