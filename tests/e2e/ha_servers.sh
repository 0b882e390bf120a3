#!/usr/bin/env bash
# ha_servers.sh: two daas servers of one cluster on a real 3-member etcd cluster with TLS and
# client certificates (lib/etcd.sh, lib/ha.sh):
#   - the second server joins with the first's --token: same CA and cluster id, so the first
#     server's kubeconfig works on both; a wrong token is refused with one clear line;
#   - either server serves reads, writes and watches of the other's writes;
#   - one controller leader: a Deployment made through the other server gets exactly one
#     ReplicaSet and its replicas, never twice;
#   - under a write and watch load on both servers (lib/haload.py), in turn: kill -9 of the
#     leading server (the other takes the Lease within seconds and its controllers act), kill
#     -9 of the etcd leader (then started again), and the whole etcd cluster stopped and
#     started again. haload then checks that no acknowledged write is lost and that every
#     watcher saw every event exactly once and in order, or got 410 Gone and re-listed.
# Fails (does not skip) when etcd is not installed.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/etcd.sh"
source "$(dirname "$0")/lib/ha.sh"

etcd_cluster 3 --tls
ha_server 1
ha_server 2
pass "two servers on one 3-member etcd cluster (TLS, client certificates)"

cmp -s "$T/s1/tls/ca.crt" "$T/s2/tls/ca.crt" || fail "the second server has another CA"
cmp -s "$T/s1/cluster-id" "$T/s2/cluster-id" || fail "the second server has another cluster id"
[ ! -e "$T/s2/token" ] || fail "the joining server made a token of its own"
expect_out "server 1's kubeconfig works on server 2" "^default " hk 2 get ns default --no-headers
pass "the second server joined with the token: same CA and cluster id"

# A wrong token: refused before serving (its own CA would split the cluster).
PW=$(free_port)
if "$DAAS_BIN" server --data-dir "$T/wrong" --https-listen-port "$PW" --bind-address 127.0.0.1 \
  --datastore-endpoint "$ETCD_ENDPOINTS" --datastore-cafile "$ETCD_CA" \
  --datastore-certfile "$ETCD_CERT" --datastore-keyfile "$ETCD_KEY" \
  --token not-the-cluster-token-at-all >"$T/wrong.log" 2>&1; then
  fail "a server with a wrong token started"
fi
grep -q "token is not --token" "$T/wrong.log" || { cat "$T/wrong.log"; fail "no clear refusal"; }
pass "a server with another token is refused: $(grep -o 'this datastore.*' "$T/wrong.log" | head -c 80)"

# Reads, writes and watches across servers.
hk 2 get configmaps --watch-only -o name >"$T/watch2" 2>&1 &
WPID=$!
sleep 1
hk 1 create configmap across --from-literal=a=1 >/dev/null || fail "create on server 1"
for _ in $(seq 50); do hk 2 get configmap across >/dev/null 2>&1 && break; sleep 0.1; done
expect_out "server 2 reads server 1's write" "^1$" hk 2 get configmap across -o jsonpath='{.data.a}'
for _ in $(seq 50); do grep -q "configmap/across" "$T/watch2" && break; sleep 0.1; done
kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null || true
grep -q "configmap/across" "$T/watch2" || fail "server 2's watch did not see server 1's create"
pass "server 2 serves the read and the watch event of a write made on server 1"

# Both servers run the namespace finalizer: a namespace with content still goes away.
hk 1 create namespace gone >/dev/null || fail "create namespace"
for i in 1 2 3; do hk 2 -n gone create configmap "c$i" --from-literal=a=1 >/dev/null || fail "cm $i"; done
hk 1 delete namespace gone --timeout=30s >/dev/null || fail "namespace deletion did not finish"
expect_err "the namespace is gone on both" "NotFound" hk 2 get namespace gone
pass "a namespace with content deleted through server 1 is finalized (both servers run nsctl)"

# One leader: exactly one ReplicaSet and 3 pods, whichever server took the request.
L=$(ha_leader) || fail "no server leads"
O=$((3 - L))
hk "$O" create deployment web --image=busybox:dev --replicas=3 >/dev/null || fail "create deployment"
for _ in $(seq 100); do
  [ "$(hk "$O" get pods -l app=web --no-headers 2>/dev/null | wc -l)" = 3 ] && break; sleep 0.1
done
sleep 2 # a second controller manager would have acted by now
[ "$(hk "$O" get rs -l app=web --no-headers | wc -l)" = 1 ] || fail "not exactly one ReplicaSet"
[ "$(hk "$O" get pods -l app=web --no-headers | wc -l)" = 3 ] || fail "not exactly 3 pods"
pass "server $L leads; a Deployment made through server $O has one ReplicaSet and 3 pods"

# The load, then the faults in turn.
mkdir -p "$T/load"
python3 "$(dirname "$0")/lib/haload.py" "$T/load" "$T/s1/tls" "$(ha_ports)" default 4 4 \
  >"$T/load.out" 2>&1 &
LOAD=$!
HA_BG+=("$LOAD")
sleep 4

ha_kill "$L"
t0=$(date +%s%N)
N=
for _ in $(seq 300); do N=$(ha_leader) && break; sleep 0.1; done
[ "$N" = "$O" ] || fail "server $O did not take the lead after server $L was killed"
secs=$((($(date +%s%N) - t0) / 1000000)) # ms
[ "$secs" -lt 25000 ] || fail "the hand-over took $secs ms"
hk "$O" scale deployment web --replicas=5 >/dev/null || fail "scale"
for _ in $(seq 100); do
  [ "$(hk "$O" get pods -l app=web --no-headers 2>/dev/null | wc -l)" = 5 ] && break; sleep 0.1
done
[ "$(hk "$O" get pods -l app=web --no-headers | wc -l)" = 5 ] || fail "the new leader did not scale"
pass "kill -9 of the leading server $L: server $O leads after $secs ms and scales web to 5"
ha_server "$L"
sleep 3

E=$(etcd_wait_leader 10) || fail "no etcd leader"
etcd_kill "$E"
sleep 4
etcd_start "$E"
sleep 3
pass "kill -9 of the etcd leader m$E under load, then started again"

etcd_stop_all
sleep 3
etcd_start_all
for _ in $(seq 100); do hk 1 get ns default >/dev/null 2>&1 && break; sleep 0.2; done
hk 1 create configmap after-restart --from-literal=a=1 >/dev/null || fail "write after the etcd restart"
sleep 3
pass "the whole etcd cluster stopped and started again under load; writes work after it"

touch "$T/load/stop"
wait "$LOAD" || { cat "$T/load.out"; fail "haload found lost writes or bad watch streams"; }
grep -q "haload: ok" "$T/load.out" || { cat "$T/load.out"; fail "haload did not finish"; }
pass "$(grep '^haload: [0-9]' "$T/load.out")"
[ "$(hk 1 get rs -l app=web --no-headers | wc -l)" = 1 ] || fail "web has more than one ReplicaSet"
[ "$(hk 2 get pods -l app=web --no-headers | wc -l)" = 5 ] || fail "web does not have 5 pods"
pass "after every fault: one ReplicaSet, 5 pods"
done_tests
