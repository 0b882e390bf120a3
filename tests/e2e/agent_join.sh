#!/usr/bin/env bash
# agent_join.sh: `daas agent` joins a `daas server --dev` cluster with its own Sui key: without
# node-tier stake it is refused with one clear line; with it, its Node registers (capacity and
# allocatable from the host, Ready and the pressure conditions, addresses, nodeInfo, the
# owner's address and stake in annotations) and its Lease in kube-node-lease is renewed every
# 10 s; a restarted agent takes its Node over instead of duplicating it; SIGTERM stops it.
source "$(dirname "$0")/lib/common.sh"

start_server --dev --disable-agent --devnet-epoch-ms 1000
export DAAS_CHAIN=$DATA/devnet/chain.json DAAS_KEYSTORE=$T/wallets/sui.keystore
sui() { timeout 60 "$DAAS_BIN" sui "$@"; }
source "$(dirname "$0")/lib/agent.sh"
trap 'st=$?; set +e; stop_agent; (exit $st); cleanup' EXIT
agent() { "${AGENT[@]}" "$@"; }

"$DAAS_BIN" sui keygen --alias w1 >/dev/null
sui faucet --key w1 >/dev/null || fail "faucet"
ADDR=$("$DAAS_BIN" sui address --key w1)

expect_code "a key without node stake is refused" 1 'daas agent: POST /api/v1/nodes: HTTP 403' \
  agent --key w1 --node-name w1
sui stake --key w1 --role node --amount 100 >/dev/null || fail "stake"

join_agent "$T/agent.log" --key w1 --node-name w1 --chain "$DATA/devnet/chain.json"
grep -q "agent: node w1 joined" "$T/agent.log" || fail "the agent did not say it joined"
pass "with node stake the agent joins"

expect_out "the Node is Ready" '^True$' k get node w1 -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'
expect_out "capacity and allocatable from the host" "^$(nproc) [0-9]+Ki 110 $(nproc)\$" \
  k get node w1 -o 'jsonpath={.status.capacity.cpu} {.status.capacity.memory} {.status.capacity.pods} {.status.allocatable.cpu}'
expect_out "the owner's address" "^$ADDR\$" k get node w1 -o 'jsonpath={.metadata.annotations.daas\.io/owner}'
expect_out "the stake annotation: the 100 SUI staked, read from the chain" '^100000000000$' k get node w1 -o 'jsonpath={.metadata.annotations.daas\.io/stake}'
expect_out "hugepages in the capacity, no Nitro Enclaves resource without the device" '^[0-9]+Mi [0-9]+Gi $' \
  k get node w1 -o 'jsonpath={.status.capacity.hugepages-2Mi} {.status.capacity.hugepages-1Gi} {.status.capacity.aws\.ec2\.nitro/nitro_enclaves}'
expect_out "nodeInfo" '^linux amd64 v1\.32\.4\+daas' \
  k get node w1 -o 'jsonpath={.status.nodeInfo.operatingSystem} {.status.nodeInfo.architecture} {.status.nodeInfo.kubeletVersion}'
expect_out "kubectl get nodes shows it Ready" '^w1 +Ready' k get nodes w1 --no-headers

R1=$(k -n kube-node-lease get lease w1 -o 'jsonpath={.spec.renewTime}')
[ -n "$R1" ] || fail "no Lease"
expect_out "the Lease names its holder" '^w1 40$' \
  k -n kube-node-lease get lease w1 -o 'jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}'
for _ in $(seq 150); do
  R2=$(k -n kube-node-lease get lease w1 -o 'jsonpath={.spec.renewTime}')
  [ "$R2" != "$R1" ] && break; sleep 0.1
done
[ "$R2" != "$R1" ] || fail "the Lease was not renewed within 15 s ($R1)"
pass "the Lease is renewed ($R1 -> $R2)"

stop_agent || fail "the agent did not exit cleanly on SIGTERM: $(tail -3 "$T/agent.log")"
grep -q "stopping" "$T/agent.log" || fail "no stop line in the agent's log"
pass "SIGTERM stops the agent (exit 0)"
start_agent "$T/agent2.log" --key w1 --node-name w1
for _ in $(seq 100); do grep -q "joined" "$T/agent2.log" && break; sleep 0.1; done
grep -q "joined" "$T/agent2.log" || { cat "$T/agent2.log"; fail "the restarted agent did not join"; }
expect_out "a restarted agent takes its Node over (still one Node named w1)" '^1$' \
  bash -c "kubectl --cache-dir $T/cache get nodes --no-headers | grep -c '^w1 '"
expect_code "a node name that is not a DNS subdomain" 1 'not a DNS subdomain' agent --key w1 --node-name Bad_Name
done_tests
