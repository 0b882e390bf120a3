#!/usr/bin/env bash
# sui_cli.sh: `daas devnet` on its own (HTTPS with its own CA, state across a restart) driven by
# `daas sui`: keys in a Sui CLI keystore, faucet, balance, stake tiers, the lock-up, and one
# clear line + non-zero exit for every bad input.
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/devnet.sh"
# Stop a devnet left running, then the common cleanup with the script's own exit status.
trap 'st=$?; set +e; kill_devnet; (exit $st); cleanup' EXIT

start_devnet --epoch-ms 1000

expect_out "chain file names an https URL and the CA" '"url": "https://127\.0\.0\.1' cat "$DAAS_CHAIN"
for scheme in ed25519 secp256k1 secp256r1; do
  expect_out "keygen $scheme" '^0x[0-9a-f]{64}$' sui keygen --scheme "$scheme" --alias "k-$scheme"
done
expect_out "keystore is the Sui CLI's JSON list" '^\[' cat "$DAAS_KEYSTORE"
expect_out "aliases file next to it" '"alias": "k-ed25519"' cat "$T/keys/sui.aliases"
PRIV=$(sui keygen --print-secret | tail -1)
expect_out "import a suiprivkey" '^0x[0-9a-f]{64}$' sui import "$PRIV" --alias imported
expect_out "address of a suiprivkey literal equals the imported one" \
  "^$(sui address --key imported)\$" sui address --key "$PRIV"
expect_out "sign-personal prints a base64 signature" '^[A-Za-z0-9+/]{130}==$' \
  sui sign-personal --key k-ed25519 --message hello

A=k-ed25519
expect_out "faucet over HTTPS" 'received: 200\.0' sui faucet --key $A
expect_out "balance" 'balance: 200\.000000000 SUI' sui balance --key $A
expect_out "balance by address" 'coins: 2' sui balance --address "$(sui address --key $A)"
expect_out "stake 1.5 SUI as viewer" 'staked: transaction' sui stake --key $A --role viewer --amount 1.5
expect_out "stake-info" 'role: viewer' sui stake-info --key $A
expect_err "unstake inside the lock-up aborts ELocked" 'ELocked' sui unstake --key $A --all
expect_err "stake below the tier aborts EBelowThreshold" 'EBelowThreshold' \
  sui stake --key $A --role admin --amount 2
expect_err "too much" 'insufficient SUI' sui stake --key $A --role user --amount 500

# bad input: one line, non-zero exit
expect_err "bad amount" 'bad amount "abc"' sui stake --key $A --role user --amount abc
expect_err "bad role" 'role' sui stake --key $A --role king --amount 1
expect_err "missing --role" 'missing --role' sui stake --key $A --amount 1
expect_err "unknown key" "no key 'nobody'" sui balance --key nobody
expect_err "no chain" 'no chain' env -u DAAS_CHAIN "$DAAS_BIN" sui balance --key $A
expect_err "unreachable chain" 'cannot connect|unavailable|Could not connect|Connection refused' \
  sui balance --key $A --chain http://127.0.0.1:1/graphql
expect_err "unknown sub-command" 'unknown command' sui fly
expect_err "bad scheme" 'bad --scheme' sui keygen --scheme rsa
set +e; sui fly >/dev/null 2>&1; st=$?; set -e
[ $st -eq 2 ] || fail "usage errors exit 2 (got $st)"; pass "usage errors exit 2"

# the chain survives a restart
BAL=$(sui balance --key $A | head -1)
stop_devnet
start_devnet --epoch-ms 1000
[ "$(sui balance --key $A | head -1)" = "$BAL" ] || fail "state survives a restart"
pass "state survives a restart"
sleep 1.2
expect_out "unstake after the lock-up" 'unstaked' sui unstake --key $A --all
expect_out "no role left" 'role: none' sui stake-info --key $A
stop_devnet
done_tests
