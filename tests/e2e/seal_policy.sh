#!/usr/bin/env bash
# seal_policy.sh: `daas devnet` (whose chain file names its Seal package twin) driven by
# `daas seal policy create|show|request-access`: a policy with an allow-list, a usage limit
# and a window, its JSON; request-access refuses no one (past the limit, not listed, unstaked,
# outside the window: all get a ticket, numbered with the policy's use count, read back over
# GraphQL); the Seal key servers' dry run of seal_approve is what refuses (tests/e2e/
# keyserver.sh, seal_secrets.sh). One clear line with exit 1 for a failure (EBadParams, a bad
# object) or exit 2 for every usage error (bad duration, bad time, bad id, unknown command).
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/devnet.sh"
trap 'st=$?; set +e; kill_devnet; (exit $st); cleanup' EXIT
start_devnet
policy() { timeout 60 "$DAAS_BIN" seal policy "$@"; }

expect_out "chain file names the Seal package twin" \
  '"seal_package": "0x0{60}5ea1"' cat "$DAAS_CHAIN"

NODE=$(sui keygen --alias node)
OTHER=$(sui keygen --alias other)
sui keygen --alias admin >/dev/null
for k in node other admin; do sui faucet --key $k >/dev/null; done
sui stake --key node --role viewer --amount 2 >/dev/null
sui stake --key other --role viewer --amount 2 >/dev/null

# usage errors: one line, exit 2, nothing sent
expect_code "missing --ticket-ttl" 2 'missing --ticket-ttl' policy create --key admin
expect_code "bad duration" 2 'bad --ticket-ttl' policy create --key admin --ticket-ttl 5x
expect_code "bad time" 2 'bad --not-before' policy create --key admin --ticket-ttl 1h --not-before yesterday
expect_code "bad stake" 2 'bad --required-stake' policy create --key admin --ticket-ttl 1h --required-stake -1
expect_code "bad --allow" 2 'address' policy create --key admin --ticket-ttl 1h --allow 0xzz
expect_code "show without an id" 2 'missing the policy id' policy show
expect_code "show a bad id" 2 'address' policy show nothex
expect_code "unknown command" 2 'unknown command' policy frobnicate
expect_code "unknown flag" 2 'bad option "--bogus"' policy create --bogus 1

# a policy: 1 SUI of stake, node only, two uses, tickets of ten minutes
PID=$(policy create --key admin --required-stake 1000000000 --allow "$NODE" --max-uses 2 --ticket-ttl 10m)
[[ $PID =~ ^0x[0-9a-f]{64}$ ]] || fail "create prints the policy id (got $PID)"; pass "create prints the id"
policy show "$PID" >"$T/show.json"
python3 - "$T/show.json" "$PID" "$NODE" "$(sui address --key admin)" <<'PY' || fail "show"
import json, sys
p = json.load(open(sys.argv[1]))
want = {"id": sys.argv[2], "admin": sys.argv[4], "required_stake": "1000000000",
        "allowed_nodes": [sys.argv[3]], "not_before_ms": "0", "not_after_ms": "0",
        "max_uses": "2", "uses": "0", "ticket_ttl_ms": "600000"}
got = {k: v for k, v in p.items() if k != "initial_shared_version"}
assert got == want, got
assert int(p["initial_shared_version"]) > 0, p
PY
pass "show: every field"

# The JSON of object $1 as the devnet's GraphQL serves it (the devnet answers the
# operations daas sends, by name: DaasObject with $id).
object_json() {
  curl -s --cacert "$DN/tls/ca.crt" "https://127.0.0.1:$DPORT/graphql" \
    -H 'content-type: application/json' \
    -d '{"query": "query DaasObject($id: SuiAddress!) { object(address: $id) { asMoveObject { contents { json } } } }", "variables": {"id": "'"$1"'"}}'
}
# ticket_is ID HOLDER POLICY USE: the ticket's fields (number: the policy's count at issue).
ticket_is() {
  object_json "$1" >"$T/ticket.json"
  python3 - "$T/ticket.json" "$2" "$3" "$4" <<'PY' || fail "ticket $1 (holder, policy, use $4)"
import json, sys
t = json.load(open(sys.argv[1]))["data"]["object"]["asMoveObject"]["contents"]["json"]
assert sorted(t) == ["expires_ms", "holder", "id", "number", "policy"], t
assert t["holder"] == sys.argv[2] and t["policy"] == sys.argv[3], t
assert t["number"] == sys.argv[4], t
assert int(t["expires_ms"]) > 0, t
PY
  pass "ticket $4: holder, policy, use"
}

# request-access: anyone gets a ticket, each counted; the key servers refuse, not the chain
T1=$(policy request-access "$PID" --key node)
[[ $T1 =~ ^0x[0-9a-f]{64}$ ]] || fail "request-access prints the ticket id (got $T1)"; pass "request-access prints a ticket"
T2=$(policy request-access "$PID" --key node)
[ "$T1" != "$T2" ] || fail "two tickets"; pass "a second ticket"
expect_out "uses counted" '"uses": "2"' policy show "$PID"
T3=$(policy request-access "$PID" --key node)
[[ $T3 =~ ^0x[0-9a-f]{64}$ ]] || fail "past the limit: still a ticket (got $T3)"; pass "past the limit: a ticket"
T4=$(policy request-access "$PID" --key other)
[[ $T4 =~ ^0x[0-9a-f]{64}$ ]] || fail "not on the list: still a ticket (got $T4)"; pass "not on the list: a ticket"
ADMIN=$(sui address --key admin)
T5=$(policy request-access "$PID" --key admin)
[[ $T5 =~ ^0x[0-9a-f]{64}$ ]] || fail "no stake: still a ticket (got $T5)"; pass "no stake: a ticket"
expect_out "every request counted" '"uses": "5"' policy show "$PID"
ticket_is "$T1" "$NODE" "$PID" 1
ticket_is "$T3" "$NODE" "$PID" 3
ticket_is "$T5" "$ADMIN" "$PID" 5
expect_code "missing key" 1 'missing --key' policy request-access "$PID"

# a window in the future, then one in the past: tickets all the same
LATER=$(policy create --key admin --ticket-ttl 1h --not-before 2999-01-01T00:00:00Z)
T6=$(policy request-access "$LATER" --key other)
[[ $T6 =~ ^0x[0-9a-f]{64}$ ]] || fail "window not open yet: still a ticket (got $T6)"; pass "window not open yet: a ticket"
ticket_is "$T6" "$OTHER" "$LATER" 1
PAST=$(policy create --key admin --ticket-ttl 1h --not-before 0 --not-after 2000-01-01T00:00:00Z)
T7=$(policy request-access "$PAST" --key other)
[[ $T7 =~ ^0x[0-9a-f]{64}$ ]] || fail "window closed: still a ticket (got $T7)"; pass "window closed: a ticket"
expect_code "reversed window" 1 'EBadParams' \
  policy create --key admin --ticket-ttl 1h --not-before 2001-01-01T00:00:00Z --not-after 2000-01-01T00:00:00Z
expect_code "show: not a policy" 1 'not the daas package' policy show "$T1"

done_tests
