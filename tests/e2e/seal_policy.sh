#!/usr/bin/env bash
# seal_policy.sh: `daas devnet` (whose chain file names its Seal package twin) driven by
# `daas seal policy create|show|request-access`: a policy with an allow-list, a usage limit
# and a window, its JSON, tickets for a staked allowed node, and one clear line with exit 1
# for every refusal (EInsufficientStake, ENotAllowed, EUsageLimit, EOutsideWindow) or exit 2
# for every usage error (bad duration, bad time, bad id, unknown command).
source "$(dirname "$0")/lib/common.sh"

DN=$T/devnet
DPORT=$(free_port)
DEVNET_PID=
"$DAAS_BIN" devnet --data-dir "$DN" --listen-port "$DPORT" >>"$T/devnet.log" 2>&1 &
DEVNET_PID=$!
trap 'st=$?; if [ -n "$DEVNET_PID" ]; then kill "$DEVNET_PID" 2>/dev/null; fi; (exit $st); cleanup' EXIT
for _ in $(seq 100); do
  [ -f "$DN/chain.json" ] && curl -s --cacert "$DN/tls/ca.crt" -o /dev/null \
    "https://127.0.0.1:$DPORT/graphql" -d '{}' && break
  kill -0 "$DEVNET_PID" 2>/dev/null || { cat "$T/devnet.log"; fail "devnet exited at start"; }
  sleep 0.1
done
export DAAS_CHAIN=$DN/chain.json
export DAAS_KEYSTORE=$T/keys/sui.keystore
sui() { timeout 60 "$DAAS_BIN" sui "$@"; }
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

# request-access: the allowed staked node gets tickets until the limit
T1=$(policy request-access "$PID" --key node)
[[ $T1 =~ ^0x[0-9a-f]{64}$ ]] || fail "request-access prints the ticket id (got $T1)"; pass "request-access prints a ticket"
T2=$(policy request-access "$PID" --key node)
[ "$T1" != "$T2" ] || fail "two tickets"; pass "a second ticket"
expect_out "uses counted" '"uses": "2"' policy show "$PID"
expect_code "past the limit" 1 'EUsageLimit' policy request-access "$PID" --key node
expect_code "not on the list" 1 'ENotAllowed' policy request-access "$PID" --key other
expect_code "no stake" 1 'EInsufficientStake' policy request-access "$PID" --key admin
expect_code "missing key" 1 'missing --key' policy request-access "$PID"

# a window in the future, then one in the past
LATER=$(policy create --key admin --ticket-ttl 1h --not-before 2999-01-01T00:00:00Z)
expect_code "window not open yet" 1 'EOutsideWindow' policy request-access "$LATER" --key other
PAST=$(policy create --key admin --ticket-ttl 1h --not-before 0 --not-after 2000-01-01T00:00:00Z)
expect_code "window closed" 1 'EOutsideWindow' policy request-access "$PAST" --key other
expect_code "reversed window" 1 'EBadParams' \
  policy create --key admin --ticket-ttl 1h --not-before 2001-01-01T00:00:00Z --not-after 2000-01-01T00:00:00Z
expect_code "show: not a policy" 1 'not the daas package' policy show "$T1"

done_tests
