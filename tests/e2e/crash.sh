#!/usr/bin/env bash
# SIGKILL in the middle of a write load loses no acknowledged write.
source "$(dirname "$0")/lib/common.sh"
start_server
creds
python3 "$(dirname "$0")/lib/writer.py" "$PORT" "$T" "$T/acked.txt" 8 &
WRITER=$!
sleep 3
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
wait $WRITER || true
acked=$(sort -u "$T/acked.txt" | wc -l)
[ "$acked" -gt 100 ] || fail "only $acked writes were acknowledged before the kill; the load was too light"
echo "acknowledged before SIGKILL: $acked"
start_server
k get cm -o name | sed 's|configmap/||' | sort -u >"$T/present.txt"
missing=$(comm -23 <(sort -u "$T/acked.txt") "$T/present.txt" | wc -l)
[ "$missing" = 0 ] || { comm -23 <(sort -u "$T/acked.txt") "$T/present.txt" | head; fail "$missing acknowledged writes lost"; }
pass "all $acked acknowledged creates survived SIGKILL and restart"
expect_out "the restarted server still serves writes" '^configmap/after created' k create configmap after --from-literal=a=b
done_tests
