#!/usr/bin/env bash
# sui_access.sh: wallet-signed access end to end, on `daas server --dev` (devnet in-process):
# a fresh wallet gets devnet SUI from the faucet, stakes as user, and its kubectl (exec plugin
# `daas auth token`) works in its own namespace and is refused elsewhere; after unstaking it is
# refused; a node key without node stake cannot register a Node, with node stake it can (and
# only its own); the --dev wallet kubeconfig works.
source "$(dirname "$0")/lib/common.sh"

start_server --dev --disable-agent --devnet-epoch-ms 1000
CHAIN=$DATA/devnet/chain.json
CID=$(cat "$DATA/cluster-id")
export DAAS_KEYSTORE=$T/wallets/sui.keystore
sui() { timeout 60 "$DAAS_BIN" sui "$@" --chain "$CHAIN"; }
suil() { "$DAAS_BIN" sui "$@"; } # local commands: no chain

# A kubeconfig for a wallet: the cluster of the admin kubeconfig, a user running the plugin.
wallet_kubeconfig() { # NAME ALIAS
  local kc=$T/kc-$1
  cp "$DATA/kubeconfig.yaml" "$kc"
  KUBECONFIG=$kc kubectl config set-credentials "$1" --exec-api-version=client.authentication.k8s.io/v1 \
    --exec-command="$DAAS_BIN" --exec-arg=auth --exec-arg=token --exec-arg=--key --exec-arg="$2" \
    --exec-arg=--keystore --exec-arg="$DAAS_KEYSTORE" --exec-arg=--cluster-id --exec-arg="$CID" \
    --exec-interactive-mode=Never >/dev/null
  KUBECONFIG=$kc kubectl config set-context --current --user="$1" >/dev/null
  echo "$kc"
}
# until_ok SECONDS cmd...: retries (the server's stake cache follows chain events).
until_ok() {
  local n=$1; shift
  for _ in $(seq $((n * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# ---- a user wallet ----
ALICE=$(suil keygen --alias alice)
expect_out "keygen prints an address" '^0x[0-9a-f]{64}$' echo "$ALICE"
expect_out "address by alias" "^$ALICE\$" suil address --key alice
expect_out "faucet" 'received: 200\.000000000 SUI' sui faucet --key alice
expect_out "balance after faucet" 'balance: 200\.000000000 SUI' sui balance --key alice
expect_out "stake-info before staking" 'role: none' sui stake-info --key alice
expect_err "stake below the user threshold aborts" 'EBelowThreshold|code 3' \
  sui stake --key alice --role user --amount 5
expect_out "stake 10 SUI as user" 'staked: transaction' sui stake --key alice --role user --amount 10
expect_out "stake-info shows the user role" 'role: user' sui stake-info --key alice

KC_A=$(wallet_kubeconfig alice alice)
ka() { KUBECONFIG=$KC_A k "$@"; }
expect_out "plugin prints an ExecCredential" '"kind": ?"ExecCredential"' \
  "$DAAS_BIN" auth token --key alice --cluster-id "$CID"
expect_out "wallet user creates its namespace" 'namespace/alice-ns created' ka create namespace alice-ns
expect_out "namespace is stamped with the owner" "$ALICE" \
  k get namespace alice-ns -o jsonpath='{.metadata.annotations.daas\.io/owner}'
expect_out "wallet user works in its namespace" 'configmap/c1 created' \
  ka -n alice-ns create configmap c1 --from-literal=a=b
expect_out "and reads there" 'c1' ka -n alice-ns get configmaps
expect_out "creates a pod there" 'pod/web created' ka -n alice-ns run web --image=busybox:1.36
expect_err "but may not place it on a node itself" 'only the scheduler places pods' \
  ka -n alice-ns run pinned --image=busybox:1.36 --overrides='{"spec":{"nodeName":"worker-1"}}' 
expect_err "refused in default (403)" 'Forbidden|forbidden' ka -n default create configmap c2
expect_err "refused to read another namespace" 'forbidden' ka -n kube-system get configmaps
expect_err "refused a cluster-wide pod list" 'forbidden' ka get pods -A
expect_out "whoami shows the wallet identity" "sui:$ALICE" ka auth whoami
expect_out "whoami shows the stake role" 'daas:role:user' ka auth whoami

# ---- unstaking drops the role ----
sleep 2.2 # the lock-up is one epoch (1 s on this devnet)
expect_out "unstake everything after the lock-up" 'unstaked: transaction' sui unstake --key alice --all
expect_out "stake-info shows no role" 'role: none' sui stake-info --key alice
until_ok 10 bash -c "! KUBECONFIG=$KC_A kubectl --cache-dir $T/cache -n alice-ns get configmaps" ||
  fail "still allowed 10 s after unstaking"
expect_err "refused after unstaking" 'forbidden|Forbidden' ka -n alice-ns get configmaps

# ---- nodes ----
suil keygen --alias node1 >/dev/null
sui faucet --key node1 >/dev/null
sui stake --key node1 --role user --amount 10 >/dev/null
KC_N=$(wallet_kubeconfig node1 node1)
kn() { KUBECONFIG=$KC_N k "$@"; }
node_yaml() { printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n' "$1"; }
expect_err "a node key without node stake cannot register a Node" 'forbidden' \
  bash -c "$(declare -f node_yaml); node_yaml worker-1 | KUBECONFIG=$KC_N kubectl --cache-dir $T/cache create -f -"
expect_out "stake as node" 'staked: transaction' sui stake --key node1 --role node --amount 100
until_ok 10 bash -c "$(declare -f node_yaml); node_yaml worker-1 | KUBECONFIG=$KC_N kubectl --cache-dir $T/cache create -f -" ||
  fail "node stake did not allow registering a Node"
pass "with node stake the Node registers"
expect_out "the Node carries its owner" "$(suil address --key node1)" \
  k get node worker-1 -o jsonpath='{.metadata.annotations.daas\.io/owner}'
expect_out "a node labels its own Node" 'labeled' kn label node worker-1 zone=a
k apply -f - <<<"$(node_yaml worker-2)" >/dev/null
expect_err "but not another Node" 'forbidden' kn label node worker-2 zone=b
expect_err "and cannot touch configmaps" 'forbidden' kn -n default get configmaps

# ---- bad tokens: 401 with a clear message ----
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
# token KEY ADDRESS EXPIRY_MS NONCE: a hand-made token, signed by KEY, claiming ADDRESS.
token() {
  local msg="daas-auth:v1:$CID:$2:$3:$4"
  local sig
  sig=$(suil sign-personal --key "$1" --message "$msg" | base64 -d | b64url)
  printf 'daas-sui.v1.%s.%s' "$(printf %s "$msg" | b64url)" "$sig"
}
with_token() { # TOKEN: GET /api (discovery: any signed-in role) with it; body and status
  curl -s --cacert "$T/ca.crt" -H "Authorization: Bearer $1" -w '\n%{http_code}\n' \
    "https://127.0.0.1:$PORT/api"
}
expect_401() { # DESCRIPTION REGEX TOKEN
  local out; out=$(with_token "$3")
  [ "${out##*$'\n'}" = 401 ] || { echo "$out"; fail "$1: want 401"; }
  grep -Eq -- "$2" <<<"$out" || { echo "$out"; fail "$1: message does not match /$2/"; }
  pass "$1"
}
creds
NOW=$(($(date +%s) * 1000))
NODE1=$(suil address --key node1)
GOOD=$(token node1 "$NODE1" $((NOW + 300000)) 0123456789abcdef0123456789abcdef)
out=$(with_token "$GOOD"); [ "${out##*$'\n'}" = 200 ] || { echo "$out"; fail "a hand-made token works"; }
pass "a hand-made token works"
expect_401 "expired token" 'expired' "$(token node1 "$NODE1" $((NOW - 1000)) 11111111111111111111111111111111)"
expect_401 "token valid too long" '15 min|too far' "$(token node1 "$NODE1" $((NOW + 3600000)) 22222222222222222222222222222222)"
expect_401 "replayed nonce" 'nonce' "$(token node1 "$NODE1" $((NOW + 200000)) 0123456789abcdef0123456789abcdef)"
expect_401 "malformed token" 'malformed|invalid|format' "daas-sui.v1.not-a-token"
expect_401 "signature by another key" 'signed by' "$(token alice "$NODE1" $((NOW + 300000)) 33333333333333333333333333333333)"
T55=$(token node1 "$NODE1" $((NOW + 300000)) 55555555555555555555555555555555)
T66=$(token node1 "$NODE1" $((NOW + 300000)) 66666666666666666666666666666666)
TAMPERED=${T55%.*}.${T66##*.} # the message of one, the signature of the other
expect_401 "signature over another message" 'signature|verify' "$TAMPERED"
expect_401 "token for another cluster" 'cluster' \
  "$(CID=other-cluster token node1 "$NODE1" $((NOW + 300000)) 44444444444444444444444444444444)"

# ---- the --dev wallet kubeconfig, also after a restart (same wallet, chain state kept) ----
kw() { KUBECONFIG="$DATA/kubeconfig-wallet.yaml" k "$@"; }
expect_out "the dev wallet kubeconfig works" 'namespace/dev-ns created' kw create namespace dev-ns
WALLET=$(kw auth whoami -o jsonpath='{.status.userInfo.username}')
stop_server
start_server --dev --disable-agent --devnet-epoch-ms 1000
expect_out "after a restart the dev wallet is the same" "^$WALLET\$" \
  kw auth whoami -o jsonpath='{.status.userInfo.username}'
expect_out "and still owns its namespace" 'configmap/again created' \
  kw -n dev-ns create configmap again
expect_out "the devnet kept the fresh wallet's state" 'role: none' sui stake-info --key alice
done_tests
