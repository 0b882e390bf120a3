#!/usr/bin/env bash
# ha_enclave.sh: two daas servers of one cluster (one etcd member) both configured with the
# same scheduler enclave (a real `daas enclave`, debug attestation against its dev root). Only
# the server leading the controllers talks to the enclave; the other forwards admissions to
# it (the leader's URL is on the controllers' Lease, daas.io/holder-url; the call is
# POST /daas/v1/admit with a client certificate of the cluster CA):
#   - a pod created through the follower is admitted by the enclave (its admission proof
#     names the enclave's key), bound, and logged in the LEADER's decision log, which
#     `daas verify decisions` replays;
#   - a privileged pod in a restricted namespace is refused through the follower with
#     Kubernetes' words, as through the leader;
#   - /daas/v1/admit is not for a wallet-less anonymous client (401) and a follower whose
#     leader is gone answers 503 (fail closed).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/etcd.sh"
source "$(dirname "$0")/lib/ha.sh"

source "$(dirname "$0")/lib/enclave.sh"
trap 'st=$?; [ -n "$EPID" ] && kill -KILL "$EPID" 2>/dev/null; (exit $st); cleanup' EXIT
start_enclave

etcd_cluster 1
EFLAGS=(--enclave "unix:$T/e.sock" --enclave-debug-root "$T/ca/ca.crt")
ha_server 1 "${EFLAGS[@]}"
trap 'st=$?; set +e; kill -KILL "$EPID" 2>/dev/null; ha_exit $st; etcd_exit $?; cleanup' EXIT
for _ in $(seq 100); do L=$(ha_leader) && break; sleep 0.2; done
[ "${L:-}" = 1 ] || fail "server 1 does not lead"
ha_server 2 "${EFLAGS[@]}"
expect_out "the Lease names the leader's URL" "^$(ha_url 1)\$" \
  hk 2 -n kube-system get lease daas-controllers -o 'jsonpath={.metadata.annotations.daas\.io/holder-url}'

for n in n1 n2; do
  hk 1 apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata: {name: $n}
EOF
  hk 1 patch node "$n" --subresource status --type merge -p '{"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"ready"}]}}' >/dev/null
done

expect_out "a pod created through the follower is admitted" '^pod/web created$' \
  hk 2 run web --image=nginx --restart=Never
hk 2 get pod web -o json >"$T/web.json"
python3 - "$T/web.json" "$PK" <<'PY' || fail "web has no admission proof by the enclave: $(cat "$T/web.json")"
import json, sys
pod = json.load(open(sys.argv[1]))
p = json.loads(pod["metadata"]["annotations"]["daas.io/admission-proof"])
assert p["pk"] == sys.argv[2], p
PY
pass "its admission proof carries the enclave's key"
bound() { [ -n "$(hk 2 get pod web -o jsonpath='{.spec.nodeName}')" ]; }
for _ in $(seq 100); do bound && break; sleep 0.1; done
bound || fail "web was not bound"
pass "and it is bound by the leader's scheduler"

hk 1 create namespace locked >/dev/null
hk 1 label namespace locked pod-security.kubernetes.io/enforce=restricted >/dev/null
PRIV='{"spec":{"containers":[{"name":"priv","image":"nginx","securityContext":{"privileged":true}}]}}'
expect_err "a privileged pod in a restricted namespace is refused through the follower" \
  '^Error from server \(Forbidden\): pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "priv" must not set securityContext\.privileged=true\)' \
  hk 2 run priv -n locked --image=nginx --restart=Never --overrides="$PRIV"

"$DAAS_BIN" verify decisions "$T/s1/sched/decisions.log" --pk "$PK" >"$T/verify.json" ||
  fail "the leader's decision log does not verify: $(cat "$T/verify.json")"
expect_out "the leader's decision log holds the follower's admissions" '^True [2-9]' \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["ok"], r["admissions"])' "$T/verify.json"

code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -d '{}' "$(ha_url 2)/daas/v1/admit")
[ "$code" = 401 ] || fail "an anonymous POST /daas/v1/admit got $code"
pass "POST /daas/v1/admit needs the cluster's credentials"

# The leader stops: until server 2 takes the Lease over, its admissions fail closed.
ha_stop 1 || fail "server 1 did not stop cleanly"
expect_err "with no leader reachable, the follower refuses with 503" 'ServiceUnavailable|503' \
  hk 2 run late --image=nginx --restart=Never
done_tests
