#!/usr/bin/env bash
# sui_enclave_cli.sh: `daas devnet` driven by `daas sui enclave-config create|update|show` and
# `daas sui enclaves`: a debug config (with its warning), a pinned one, discovery with one and
# several configs, an update bumping the version, the empty enclave list, and one clear line +
# non-zero exit for every bad input (bad hex, --debug with PCRs, no AdminCap, bad --config).
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/devnet.sh"
trap 'st=$?; set +e; kill_devnet; (exit $st); cleanup' EXIT
start_devnet
ADMIN=(--key "$DN/publisher.keystore") # a keystore file holding only the publisher (AdminCap)
P0=$(printf 'ab%.0s' $(seq 48))
P1=$(printf 'cd%.0s' $(seq 48))
P2=$(printf 'ef%.0s' $(seq 48))
ZERO=$(printf '00%.0s' $(seq 48))

expect_out "no enclaves on a fresh chain" '^\[\]$' sui enclaves
expect_code "show without a config" 1 'no EnclaveConfig: create one with `daas sui enclave-config create`' \
  sui enclave-config show

# bad input: one line, exit 1 (2 for usage)
expect_code "bad hex" 1 'bad --pcr1: want 96 hex digits' \
  sui enclave-config create "${ADMIN[@]}" --pcr0 "$P0" --pcr1 "${P1%??}zz" --pcr2 "$P2"
expect_code "short PCR" 1 'bad --pcr0' sui enclave-config create "${ADMIN[@]}" --pcr0 abcd --pcr1 "$P1" --pcr2 "$P2"
expect_code "--debug with PCRs" 1 'drop --pcr0' \
  sui enclave-config create "${ADMIN[@]}" --debug --pcr0 "$P0"
expect_code "missing PCRs" 1 'missing --pcr0, --pcr1 and --pcr2' \
  sui enclave-config create "${ADMIN[@]}" --pcr0 "$P0"
expect_code "missing key" 1 'missing --key' sui enclave-config create --debug
set +e; sui enclave-config fly >/dev/null 2>&1; st=$?; set -e
[ $st -eq 2 ] || fail "unknown enclave-config command exits 2 (got $st)"; pass "unknown enclave-config command exits 2"
sui keygen --alias nobody >/dev/null
sui faucet --key nobody >/dev/null
expect_code "create without the AdminCap" 1 'owns no staking::AdminCap' \
  sui enclave-config create --key nobody --debug

# a debug config: its id on stdout, a loud warning on stderr
sui enclave-config create "${ADMIN[@]}" --debug >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "create --debug"; }
DBG=$(cat "$T/out")
[[ $DBG =~ ^0x[0-9a-f]{64}$ ]] || fail "create prints the config id (got $DBG)"; pass "create --debug prints the id"
grep -q 'WARNING: this EnclaveConfig accepts DEBUG enclaves' "$T/err" || { cat "$T/err"; fail "no debug warning"; }
pass "create --debug warns"
sui enclave-config show >"$T/show.json"
python3 - "$T/show.json" "$DBG" "$ZERO" <<'PY' || fail "show (debug config)"
import json, sys
c = json.load(open(sys.argv[1]))
assert c == {"id": sys.argv[2], "name": "daas-scheduler", "pcr0": sys.argv[3], "pcr1": sys.argv[3],
             "pcr2": sys.argv[3], "allow_debug": True, "version": 0}, c
PY
pass "show: id, name, zero PCRs, allow_debug, version 0"

# a pinned config: now there are two
PIN=$(sui enclave-config create "${ADMIN[@]}" --name pinned --pcr0 "0x$P0" --pcr1 "$P1" --pcr2 "$P2" 2>/dev/null)
[[ $PIN =~ ^0x[0-9a-f]{64}$ ]] || fail "create pinned"; pass "create pinned"
expect_code "show with two configs" 1 'several EnclaveConfig objects: name one with --config' \
  sui enclave-config show
expect_out "show --config" "\"pcr1\": \"$P1\"" sui enclave-config show --config "$PIN"
expect_out "show --config: not debug" '"allow_debug": false' sui enclave-config show --config "$PIN"
expect_code "bad --config" 1 'bad --config' sui enclave-config show --config 0xnothex
expect_code "--config naming no object" 1 'not found' sui enclave-config show --config 0x7777

# update: new PCRs, version 1
expect_out "update --config" '"version": 1' \
  sui enclave-config update "${ADMIN[@]}" --config "$PIN" --pcr0 "$P2" --pcr1 "$P1" --pcr2 "$P0"
expect_out "update is visible" "\"pcr0\": \"$P2\"" sui enclave-config show --config "$PIN"
expect_code "update without --config, two configs" 1 'several EnclaveConfig' \
  sui enclave-config update "${ADMIN[@]}" --debug
expect_code "update bad hex" 1 'bad --pcr2' \
  sui enclave-config update "${ADMIN[@]}" --config "$PIN" --pcr0 "$P0" --pcr1 "$P1" --pcr2 xyz

# still no enclaves registered
expect_out "enclaves --config" '^\[\]$' sui enclaves --config "$DBG"
expect_code "enclaves with two configs and no --config" 1 'several EnclaveConfig' sui enclaves

stop_devnet
