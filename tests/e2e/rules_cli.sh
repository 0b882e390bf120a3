#!/usr/bin/env bash
# rules_cli.sh: `daas devnet` driven by `daas rules show|set`: the publish defaults (text and
# JSON), a set with the publisher's key (the AdminCap) replacing every rule at version 2 and
# the RulesUpdated event, tiers by name and number, and one clear line + non-zero exit for
# every refusal: a key without the AdminCap (exit 1, nothing changed), and bad input refused
# before anything is sent (exit 2: bad digest, registry without "/", unknown tier, too many
# entries, flags of the other command, unknown command).
source "$(dirname "$0")/lib/common.sh"

source "$(dirname "$0")/lib/devnet.sh"
trap 'st=$?; set +e; kill_devnet; (exit $st); cleanup' EXIT
start_devnet
rules() { timeout 60 "$DAAS_BIN" rules "$@"; }
ADMIN=(--key "$DN/publisher.keystore") # a keystore file holding only the publisher (AdminCap)
D1=sha256:$(printf '0123456789abcdef%.0s' 1 2 3 4)

# the rules at publish
expect_out "show: version 1" '^version: +1$' rules show
expect_out "show: any registry" '^registries: +any$' rules show
expect_out "show: nitro from node" '^nitro enclaves: +node and above$' rules show
expect_out "show: hostPath admin" '^hostPath: +admin and above$' rules show
rules show --json >"$T/show.json"
python3 - "$T/show.json" <<'PY' || fail "show --json: the defaults"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["id"].startswith("0x") and len(p["id"]) == 66, p
want = {"version": "1", "allowed_registries": [], "allowed_digests": [],
        "nitro_min_tier": 3, "host_path_min_tier": 4, "host_network_min_tier": 4}
assert {k: p[k] for k in want} == want, p
assert int(p["initial_shared_version"]) >= 1, p
PY
pass "show --json: the defaults"

# bad input: one line, exit 2, nothing sent (a key without SUI would fail later: none needed)
expect_code "bad digest" 2 'digest 1 "sha256:00" is not sha256: and 64 lowercase hex digits \(EBadDigest\)' \
  rules set "${ADMIN[@]}" --digest sha256:00
expect_code "upper-case digest" 2 'EBadDigest' rules set "${ADMIN[@]}" --digest "${D1^^}"
expect_code "registry without /" 2 'registry 2 "docker.io" does not end in "/" \(EBadRegistry\)' \
  rules set "${ADMIN[@]}" --registry ghcr.io/ --registry docker.io
expect_code "unknown tier" 2 'bad --nitro-min-tier: unknown tier "root"' \
  rules set "${ADMIN[@]}" --nitro-min-tier root
expect_code "tier 0" 2 'unknown tier "0"' rules set "${ADMIN[@]}" --host-path-min-tier 0
many=(); for i in $(seq 65); do many+=(--registry "r$i/"); done
expect_code "65 registries" 2 'ETooMany' rules set "${ADMIN[@]}" "${many[@]}"
expect_code "set --json" 2 'bad option "--json"' rules set "${ADMIN[@]}" --json
expect_code "show --registry" 2 'bad option "--registry"' rules show --registry x/
expect_code "unknown command" 2 'unknown command frob' rules frob
expect_code "missing key" 1 'missing --key' rules set --registry x/

# a key without the AdminCap: refused, nothing changed
sui keygen --alias stranger >/dev/null
sui faucet --key stranger >/dev/null
expect_code "set without the AdminCap" 1 'owns no staking::AdminCap' \
  rules set --key stranger --registry evil.example/
expect_out "still version 1" '^version: +1$' rules show

# the publisher replaces every rule: version 2
expect_out "set prints the new version" '^cluster rules at version 2 ' \
  rules set "${ADMIN[@]}" --registry registry.example.com/ --registry docker.io/library/ \
  --digest "$D1" --nitro-min-tier admin --host-path-min-tier nobody --host-network-min-tier 2
rules show --json >"$T/show.json"
python3 - "$T/show.json" "$D1" <<'PY' || fail "show --json after set"
import json, sys
p = json.load(open(sys.argv[1]))
want = {"version": "2",
        "allowed_registries": ["registry.example.com/", "docker.io/library/"],
        "allowed_digests": [sys.argv[2]],
        "nitro_min_tier": 4, "host_path_min_tier": 255, "host_network_min_tier": 2}
assert {k: p[k] for k in want} == want, p
PY
pass "show --json: every rule replaced"
expect_out "show: nobody for hostPath" '^hostPath: +nobody$' rules show
expect_out "show: the registries" '^registries: +registry.example.com/ docker.io/library/$' rules show

# the event, as the devnet's GraphQL serves it
PKG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["package"])' "$DAAS_CHAIN")
Q='query DaasEvents($filter: EventFilter, $first: Int, $cursor: String) { events(first: $first, after: $cursor, filter: $filter) { pageInfo { hasNextPage endCursor } nodes { sequenceNumber timestamp sender { address } transactionModule { name package { address } } contents { type { repr } json bcs } } } }'
python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"filter": {"type": sys.argv[2] + "::cluster_rules"}, "first": 50}}))' \
  "$Q" "$PKG" >"$T/events.req"
curl -s --cacert "$DN/tls/ca.crt" "https://127.0.0.1:$DPORT/graphql" \
  -H 'content-type: application/json' -d @"$T/events.req" >"$T/events.json"
python3 - "$T/events.json" <<'PY' || fail "RulesUpdated event"
import json, sys
nodes = json.load(open(sys.argv[1]))["data"]["events"]["nodes"]
assert len(nodes) == 1, nodes
assert nodes[0]["contents"]["type"]["repr"].endswith("::cluster_rules::RulesUpdated"), nodes
j = nodes[0]["contents"]["json"]
assert j["version"] == "2" and j["host_path_min_tier"] == 255, j
PY
pass "one RulesUpdated event"

# set replaces everything: no flags = the publish defaults again, version 3
expect_out "set back to the defaults" '^cluster rules at version 3 ' rules set "${ADMIN[@]}"
expect_out "any registry again" '^registries: +any$' rules show
stop_devnet
done_tests
