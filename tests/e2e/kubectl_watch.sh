#!/usr/bin/env bash
# Watches with the real kubectl: get -w (Table events) and -o json, kept open until killed;
# resourceVersion semantics and 410 Expired through the raw API.
source "$(dirname "$0")/lib/common.sh"
start_server

k create configmap w0 --from-literal=a=0 >/dev/null
k get cm -w >"$T/w.txt" 2>&1 &
W1=$!
k get cm -w -o json >"$T/wj.txt" 2>&1 &
W2=$!
sleep 2
k create configmap w1 --from-literal=a=1 >/dev/null
k label cm w1 x=y >/dev/null
k delete cm w1 >/dev/null
sleep 2
kill -0 $W1 || fail "get -w exited although the server should keep the watch open"
kill $W1 $W2 2>/dev/null || true
wait $W1 $W2 2>/dev/null || true
grep -Eq '^w0 +1 ' "$T/w.txt" || { cat "$T/w.txt"; fail "get -w: initial row missing"; }
[ "$(grep -Ec '^w1 +1 ' "$T/w.txt")" -ge 2 ] || { cat "$T/w.txt"; fail "get -w: w1 rows missing"; }
pass "get -w streams table rows"
grep -q '"name": "w1"' "$T/wj.txt" || { cat "$T/wj.txt"; fail "get -w -o json: w1 missing"; }
pass "get -w -o json streams objects"

# Raw watch from a resourceVersion: every later event, in order, then the end at timeoutSeconds.
rv=$(k get --raw /api/v1/namespaces/default/configmaps | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
[ -n "$rv" ] || fail "list has no resourceVersion"
k create configmap w2 --from-literal=a=2 >/dev/null
k create configmap w3 --from-literal=a=3 >/dev/null
out=$(api GET "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv&timeoutSeconds=2")
grep -q '"type":"ADDED".*"name":"w2"' <<<"$out" || { echo "$out"; fail "watch from rv: w2 missing"; }
grep -q '"name":"w0"' <<<"$out" && { echo "$out"; fail "watch from rv replayed older state (w0)"; }
w2line=$(grep -n '"name":"w2"' <<<"$out" | cut -d: -f1); w3line=$(grep -n '"name":"w3"' <<<"$out" | cut -d: -f1)
[ "$w2line" -lt "$w3line" ] || fail "watch events out of order"
pass "watch from a resourceVersion delivers later events in order and ends at timeoutSeconds"

out=$(api GET "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv&timeoutSeconds=2&labelSelector=nope%3Dx")
grep -q '"type"' <<<"$out" && { echo "$out"; fail "label-selected watch leaked events"; }
pass "watch honours label selectors"

# History before a restart is not replayable: such a watch gets one ERROR event (410 Expired).
stop_server || fail "server did not shut down cleanly"
start_server
out=$(api GET "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv&timeoutSeconds=2")
grep -q '"type":"ERROR".*"code":410' <<<"$out" || { echo "$out"; fail "too old resourceVersion: no 410 ERROR event"; }
pass "watch from a resourceVersion older than the server's history gets 410 Expired"
out=$(api GET "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1")
grep -q '"name":"w3"' <<<"$out" || { echo "$out"; fail "watch from 0 after restart: no initial state"; }
pass "after that, a watch from resourceVersion 0 starts with the current state"

out=$(api GET "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=62&allowWatchBookmarks=true&labelSelector=nope%3Dx")
grep -q '"type":"BOOKMARK"' <<<"$out" || { echo "$out"; fail "no BOOKMARK event within 62 s"; }
pass "bookmarks when allowed"
done_tests
