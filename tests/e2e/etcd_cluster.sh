#!/usr/bin/env bash
# etcd_cluster.sh: the 3-member etcd cluster on loopback that the etcd datastore tests run on
# (lib/etcd.sh), with TLS and client certificates on the client and peer ports, driven through
# etcd's JSON gateway with curl: a put on member 1 is read on members 2 and 3; a client with no
# certificate, or one from another CA, is refused; a create-if-absent txn succeeds once; after
# kill -9 of the leader the other two elect a new one and take a put; the killed member, started
# again, catches up (a serializable read of its own state shows the put); all three stopped and
# started again keep the data. Fails (does not skip) when etcd is not installed.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/etcd.sh"

etcd_cluster 3 --tls
pass "3 members with TLS answer /health"

expect_out "ETCD_ENDPOINTS lists 3 https client URLs" \
  '^https://127\.0\.0\.1:[0-9]+,https://127\.0\.0\.1:[0-9]+,https://127\.0\.0\.1:[0-9]+$' \
  echo "$ETCD_ENDPOINTS"
members=$(egw 1 cluster/member/list) || fail "member list"
[ "$(grep -o '"name":"m[123]"' <<<"$members" | sort -u | wc -l)" = 3 ] ||
  { echo "$members"; fail "member list does not name m1, m2, m3"; }
pass "the member list names m1, m2, m3"

# replication: put on 1, linearizable reads on 2 and 3
egw_put 1 /daas/a one || fail "put on member 1"
[ "$(egw_get 2 /daas/a)" = one ] || fail "member 2 does not read the put of member 1"
[ "$(egw_get 3 /daas/a)" = one ] || fail "member 3 does not read the put of member 1"
out=$(egw 3 kv/range "{\"key\":\"$(b64 /daas/a)\"}")
grep -q "\"key\":\"$(b64 /daas/a)\"" <<<"$out" && grep -q "\"value\":\"$(b64 one)\"" <<<"$out" ||
  { echo "$out"; fail "range answer does not carry the base64 key and value"; }
pass "a put on member 1 is read on members 2 and 3 (base64 keys and values)"

# client certificates
url=https://127.0.0.1:${ETCD_CPORTS[1]}/v3/kv/range
if out=$(curl -sS --max-time 5 --cacert "$ETCD_CA" -X POST -d '{}' "$url" 2>&1); then
  echo "$out"; fail "a client without a certificate was served"
fi
pass "a client without a certificate is refused"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=rogue \
  -addext extendedKeyUsage=clientAuth -keyout "$T/rogue.key" -out "$T/rogue.crt" 2>/dev/null ||
  fail "openssl: rogue certificate"
if out=$(curl -sS --max-time 5 --cacert "$ETCD_CA" --cert "$T/rogue.crt" --key "$T/rogue.key" \
  -X POST -d '{}' "$url" 2>&1); then
  echo "$out"; fail "a client certificate from another CA was accepted"
fi
pass "a client certificate from another CA is refused"
if out=$(curl -sS --max-time 5 -X POST -d '{}' "http://127.0.0.1:${ETCD_CPORTS[1]}/v3/kv/range" 2>&1) &&
  grep -q '"header"' <<<"$out"; then
  echo "$out"; fail "plain http was served"
fi
pass "plain http is not served"

# a txn with a revision check: create-if-absent (create_revision == 0)
create_txn() {
  egw 2 kv/txn "{\"compare\":[{\"key\":\"$(b64 /daas/b)\",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"}],
    \"success\":[{\"request_put\":{\"key\":\"$(b64 /daas/b)\",\"value\":\"$(b64 "$1")\"}}]}"
}
out=$(create_txn first) || fail "txn"
grep -q '"succeeded":true' <<<"$out" || { echo "$out"; fail "create-if-absent txn did not succeed"; }
out=$(create_txn second) || fail "txn"
! grep -q '"succeeded":true' <<<"$out" || { echo "$out"; fail "second create-if-absent txn succeeded"; }
[ "$(egw_get 1 /daas/b)" = first ] || fail "the failed txn changed the value"
pass "a create-if-absent txn succeeds once, then fails"

# kill -9 of the leader
L=$(etcd_wait_leader 10) || fail "no leader"
etcd_kill "$L"
NL=$(etcd_wait_leader 15) || fail "no new leader after kill -9 of m$L"
[ "$NL" != "$L" ] || fail "the killed member m$L is still the leader"
pass "after kill -9 of leader m$L the others elect m$NL"
if egw "$L" kv/range "{\"key\":\"$(b64 /daas/a)\"}" >/dev/null 2>&1; then fail "killed m$L answers"; fi
O=$(( L % 3 + 1 )); [ "$O" != "$NL" ] || O=$(( O % 3 + 1 ))
egw_put "$O" /daas/c after-kill || fail "put on follower m$O without the old leader"
[ "$(egw_get "$NL" /daas/c)" = after-kill ] || fail "new leader does not read the put"
pass "a put through follower m$O succeeds with two members"

etcd_start "$L"
for _ in $(seq 100); do
  [ "$(egw_get "$L" /daas/c serializable 2>/dev/null)" = after-kill ] && break
  sleep 0.1
done
[ "$(egw_get "$L" /daas/c serializable)" = after-kill ] || fail "restarted m$L did not catch up"
L2=$(etcd_wait_leader 10) || fail "no leader after m$L restarted"
pass "restarted m$L catches up (its own state holds the put; leader m$L2)"

# the whole cluster stopped and started again
egw_put "$L" /daas/d before-restart || fail "put on the restarted member"
etcd_stop_all
for i in 1 2 3; do
  if egw "$i" maintenance/status >/dev/null 2>&1; then fail "m$i answers after etcd_stop_all"; fi
done
etcd_start_all
etcd_wait_leader 10 >/dev/null || fail "no leader after the restart of all"
for i in 1 2 3; do
  [ "$(egw_get "$i" /daas/a)" = one ] && [ "$(egw_get "$i" /daas/b)" = first ] &&
    [ "$(egw_get "$i" /daas/c)" = after-kill ] && [ "$(egw_get "$i" /daas/d)" = before-restart ] ||
    fail "m$i lost data over the restart"
done
pass "all three stopped and started again keep every put"

out=$(ectl endpoint health 2>&1) || { echo "$out"; fail "etcdctl endpoint health"; }
[ "$(grep -c 'is healthy' <<<"$out")" = 3 ] || { echo "$out"; fail "etcdctl: not 3 healthy endpoints"; }
pass "etcdctl reaches all 3 endpoints with the client certificate"

done_tests
