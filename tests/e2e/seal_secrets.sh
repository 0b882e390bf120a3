#!/usr/bin/env bash
# seal_secrets.sh: Secrets sealed with Seal, end to end, with kubectl and the daas CLI only.
# `daas server --dev` starts 3 key servers (threshold 2) registered on the devnet and a
# DecryptionPolicy; a Secret created with kubectl is absent in plaintext from the SQLite files
# (from every etcd value on DAAS_E2E_DATASTORE=etcd) and from every API response (get, list, yaml, watch), its key names and sizes stay readable;
# a node key with node-tier stake opens it with keys from 2 of 3 key servers; a key without
# stake, a node not on a policy's allow-list, a request outside the policy's time window and
# one past its usage limit are refused by the key servers (Seal's NoAccess with the policy's
# abort); one key server down still works, two down is a clear error; a Secret sealed on the
# client (`daas seal create-secret | kubectl apply`) is stored as it is; a ConfigMap marked
# daas.io/sensitive is sealed too.
source "$(dirname "$0")/lib/common.sh"

start_server --dev --disable-agent --devnet-epoch-ms 1000
CHAIN=$DATA/devnet/chain.json
CFG=$DATA/seal/seal.json
export DAAS_CHAIN=$CHAIN DAAS_SEAL_CONFIG=$CFG DAAS_KEYSTORE=$T/wallets/sui.keystore
sui() { timeout 60 "$DAAS_BIN" sui "$@"; }
seal() { timeout 120 "$DAAS_BIN" seal "$@"; }
cfg_field() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(*eval(sys.argv[2]))' "$CFG" "$1"; }

expect_out "3 key servers at threshold 2 in seal.json" '^3 2$' \
  cfg_field 'len(c["key_servers"]), c["threshold"]'

# ---- a Secret through kubectl ----
SECRET="hunter2-$RANDOM$RANDOM"
B64=$(printf %s "$SECRET" | base64)
expect_out "create secret" '^secret/db created' \
  k create secret generic db --from-literal=password="$SECRET" --from-literal=user=admin
k get secret db -o json >"$T/db.json"
k get secret db -o yaml >"$T/db.yaml"
k get secrets -A -o json >"$T/list.json"
timeout 3 kubectl --cache-dir "$T/cache" get secret db -w -o json >"$T/watch.json" 2>/dev/null || true
for f in db.json db.yaml list.json watch.json; do
  [ -s "$T/$f" ] || fail "empty response in $f"
  if grep -q -e "$SECRET" -e "$B64" "$T/$f"; then fail "plaintext in the API response ($f)"; fi
done
pass "no plaintext in get, yaml, list or watch responses"
if datastore_is_etcd; then # every key and value in etcd, read back with etcdctl
  ectl get "" --from-key -w json >"$T/etcd.json" || fail "etcdctl get"
  python3 - "$T/etcd.json" "$SECRET" "$B64" <<'PY' || fail "the Secret as stored in etcd"
import base64, json, sys
kvs = json.load(open(sys.argv[1])).get("kvs", [])
vals = {base64.b64decode(kv["key"]): base64.b64decode(kv.get("value", "")) for kv in kvs}
for k, v in vals.items():
    for p in sys.argv[2:]:
        if p.encode() in v: sys.exit("plaintext in etcd key %r" % k)
db = [v for k, v in vals.items() if k.endswith(b"/secrets/default/db")]
if len(db) != 1: sys.exit("%d etcd keys end in /secrets/default/db" % len(db))
if b"seal.daas.io/sealed" not in db[0]: sys.exit("the stored Secret is not sealed")
PY
  pass "no plaintext in etcd; the stored Secret is sealed"
else
  for f in "$DATA"/db/state.db*; do
    if grep -a -q -e "$SECRET" -e "$B64" "$f"; then fail "plaintext in $f"; fi
  done
  grep -a -q 'seal.daas.io/sealed' "$DATA/db/state.db"* || fail "the stored Secret is not sealed"
  pass "no plaintext in the SQLite files"
fi
expect_out "key names and sizes stay readable" '^\{"password":[0-9]+,"user":5\}$' \
  k get secret db -o 'jsonpath={.metadata.annotations.seal\.daas\.io/sizes}'

# ---- who may open it ----
"$DAAS_BIN" sui keygen --alias node1 >/dev/null
"$DAAS_BIN" sui keygen --alias node2 >/dev/null
"$DAAS_BIN" sui keygen --alias poor >/dev/null
for w in node1 node2 poor; do sui faucet --key "$w" >/dev/null || fail "faucet $w"; done
sui stake --key node1 --role node --amount 100 >/dev/null || fail "stake node1"
sui stake --key node2 --role node --amount 100 >/dev/null || fail "stake node2"
NODE1=$("$DAAS_BIN" sui address --key node1)

expect_out "a node-tier key opens the Secret (keys from 2 of 3 key servers)" "^$SECRET\$" \
  seal get-secret --key node1 --in "$T/db.json" --value password
expect_code "a key without stake is refused by the key servers" 1 \
  'key servers refused.*NoAccess.*EInsufficientStake' \
  seal get-secret --key poor --in "$T/db.json"

# Policies of our own (sealed outside the API: the server only accepts its cluster policy).
policy_cfg() { # NAME POLICY-ID → a seal.json naming that policy
  python3 - "$CFG" "$2" >"$T/$1.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["policy"] = sys.argv[2]; print(json.dumps(c))
PY
}
new_policy() { seal policy create --key node1 "$@" | grep -Eo '0x[0-9a-f]{64}' | head -1; }
sealed_with() { # CFGNAME → a sealed Secret (JSON) in $T/s-CFGNAME.json
  seal create-secret "s-$1" --from-literal v=opened-"$1" --seal-config "$T/$1.json" >"$T/s-$1.json"
}

ALLOW=$(new_policy --required-stake 1 --allow "$NODE1" --ticket-ttl 60s)
policy_cfg allow "$ALLOW"; sealed_with allow
expect_out "an allowed node opens" '^opened-allow$' \
  seal get-secret --key node1 --in "$T/s-allow.json" --seal-config "$T/allow.json" --value v
expect_code "a node not on the allow-list is refused" 1 'NoAccess.*ENotAllowed' \
  seal get-secret --key node2 --in "$T/s-allow.json" --seal-config "$T/allow.json"

PAST=$(new_policy --required-stake 1 --not-before 1000 --not-after 2000 --ticket-ttl 60s)
policy_cfg past "$PAST"; sealed_with past
expect_code "a request outside the time window is refused" 1 'NoAccess.*EOutsideWindow' \
  seal get-secret --key node1 --in "$T/s-past.json" --seal-config "$T/past.json"

ONCE=$(new_policy --required-stake 1 --max-uses 1 --ticket-ttl 60s)
policy_cfg once "$ONCE"; sealed_with once
expect_out "the first use is allowed" '^opened-once$' \
  seal get-secret --key node1 --in "$T/s-once.json" --seal-config "$T/once.json" --value v
expect_code "a use past the limit is refused" 1 'NoAccess.*EUsageLimit' \
  seal get-secret --key node1 --in "$T/s-once.json" --seal-config "$T/once.json"

# ---- key servers down ----
down_cfg() { # NAME N → seal.json whose first N key servers point at a closed port
  python3 - "$CFG" "$2" >"$T/$1.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for ks in c["key_servers"][:int(sys.argv[2])]: ks["url"] = "https://127.0.0.1:1"
print(json.dumps(c))
PY
}
down_cfg one 1
down_cfg two 2
expect_out "one key server down: threshold 2 still met" "^$SECRET\$" \
  seal get-secret --key node1 --in "$T/db.json" --seal-config "$T/one.json" --value password
expect_code "two key servers down: a clear error" 1 \
  '2 of 3 key servers unreachable, shares 1 of threshold 2' \
  seal get-secret --key node1 --in "$T/db.json" --seal-config "$T/two.json"
KS0=$(pgrep -f "keyserver --master-key $DATA/seal/ks-0.master" | head -1)
[ -n "$KS0" ] || fail "no key server process"
kill -STOP "$KS0"
expect_out "a stopped key server process: the other two answer" "^$SECRET\$" \
  seal get-secret --key node1 --in "$T/db.json" --value password
kill -CONT "$KS0"

# ---- sealed on the client ----
seal create-secret cs --from-literal token=client-side-"$RANDOM" >"$T/cs.json" || fail "create-secret"
grep -q client-side "$T/cs.json" && fail "create-secret printed plaintext"
expect_out "a client-sealed Secret is accepted" '^secret/cs created' k create -f "$T/cs.json"
python3 - "$T/cs.json" <(k get secret cs -o json) <<'PY' || fail "the server changed the client's ciphertext"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["data"] == b["data"], "data differs"
PY
pass "the server stored the client's ciphertext as it is"
k get secret cs -o json >"$T/cs-stored.json"
expect_out "the client-sealed Secret opens" '^client-side-' \
  seal get-secret --key node1 --in "$T/cs-stored.json" --value token

# ---- the control plane's own keys ----
[ ! -e "$DATA/tls/ca.key" ] && [ ! -e "$DATA/tls/server.key" ] || fail "a plaintext CA or TLS key file"
python3 - "$DATA/tls/ca.key.sealed" "$DATA/tls/server.key.sealed" <<'PY' || fail "the sealed keys are not EncryptedObjects"
import sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    assert b[0] == 0 and b"PRIVATE KEY" not in b, p
PY
pass "the CA and TLS keys rest only sealed"
stop_server || fail "stop"
start_server --dev --disable-agent --devnet-epoch-ms 1000
grep -q 'unsealed .*/tls/ca.key (in memory only)' "$T/server.log" || fail "the CA key was not unsealed"
expect_out "after a restart (keys unsealed through the key servers) kubectl works" '^secret/db$' \
  k get secret db -o name
k get secret db -o json >"$T/db2.json"
expect_out "and the Secret still opens" "^$SECRET\$" \
  seal get-secret --key node1 --in "$T/db2.json" --value password

# ---- a sensitive ConfigMap ----
expect_out "sensitive configmap" '^configmap/dsn created' k create -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: dsn, annotations: {daas.io/sensitive: "true"}}
data: {url: "postgres://app:s3cr3t-pw@db/x"}
YAML
if k get cm dsn -o json | grep -q s3cr3t-pw; then fail "sensitive ConfigMap served in plaintext"; fi
pass "a sensitive ConfigMap is sealed"
done_tests
