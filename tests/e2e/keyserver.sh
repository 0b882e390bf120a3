#!/usr/bin/env bash
# keyserver.sh: `daas devnet` and `daas keyserver` as processes: the key server creates its
# master key (0600) and its KeyServer object on the devnet, serves HTTPS with a certificate
# made by openssl, answers /v1/service with its object id and a PoP, answers Seal errors with
# their names and statuses (and the version headers), finds its object again on restart,
# serves an existing object with --object-id, and refuses a 0644 key file, a foreign
# --object-id and bad usage with one line.
source "$(dirname "$0")/lib/common.sh"
command -v openssl >/dev/null || fail "openssl not found"

source "$(dirname "$0")/lib/devnet.sh"
KPORT=$(free_port)
KS_PID=
trap 'st=$?; set +e; if [ -n "$KS_PID" ]; then kill "$KS_PID" 2>/dev/null; fi; kill_devnet; (exit $st); cleanup' EXIT
start_devnet
sui keygen --alias ks >/dev/null
sui faucet --key ks >/dev/null

KS=$T/ks
mkdir -p "$KS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$KS/tls.key" -out "$KS/tls.crt" 2>/dev/null
TLS=(--tls-cert "$KS/tls.crt" --tls-key "$KS/tls.key")
URL=https://127.0.0.1:$KPORT

# usage errors: exit 2, nothing started
expect_err "missing --master-key" 'master-key is required' "$DAAS_BIN" keyserver --insecure-http
expect_err "TLS or --insecure-http" 'tls-cert' "$DAAS_BIN" keyserver --master-key "$KS/m.key" --key ks --url x
expect_err "key or object id" 'object-id' "$DAAS_BIN" keyserver --master-key "$KS/m.key" "${TLS[@]}"
expect_err "bad --listen" 'HOST:PORT' "$DAAS_BIN" keyserver --master-key "$KS/m.key" "${TLS[@]}" --key ks --url x --listen nope

# start_ks ARGS...: starts the key server, waits for its "serving" line, sets ID
start_ks() {
  : >"$T/ks.out"
  "$DAAS_BIN" keyserver --listen "127.0.0.1:$KPORT" "${TLS[@]}" "$@" >"$T/ks.out" 2>>"$T/ks.log" &
  KS_PID=$!
  for _ in $(seq 200); do
    grep -q '^keyserver: serving' "$T/ks.out" && break
    kill -0 "$KS_PID" 2>/dev/null || { cat "$T/ks.log"; fail "keyserver exited at start"; }
    sleep 0.1
  done
  ID=$(sed -n 's/^keyserver: serving \(0x[0-9a-f]\{64\}\) pk \([0-9a-f]\{192\}\) on https:\/\/127\.0\.0\.1:[0-9]*$/\1/p' "$T/ks.out")
  [ -n "$ID" ] || { cat "$T/ks.out" "$T/ks.log"; fail "no serving line"; }
}
stop_ks() {
  kill -TERM "$KS_PID"; local st=0; wait "$KS_PID" || st=$?; KS_PID=
  [ "$st" = 0 ] || { tail -5 "$T/ks.log"; fail "keyserver exit $st after SIGTERM"; }
}
H=(-H 'Client-Sdk-Version: 1.4.4' -H 'Client-Sdk-Type: typescript')
kcurl() { curl -s --cacert "$KS/tls.crt" -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$@"; }

start_ks --master-key "$KS/master.key" --key ks --url "$URL" --name e2e
[ "$(stat -c %a "$KS/master.key")" = 600 ] || fail "master key mode"; pass "master key created 0600"
grep -Eq '^[0-9a-f]{64}$' "$KS/master.key" || fail "master key format"; pass "master key is 64 hex digits"
grep -q "KeyServer $ID created" "$T/ks.log" || fail "created"; pass "KeyServer created on chain"
! grep -q "$(cat "$KS/master.key")" "$T/ks.log" "$T/ks.out" || fail "key in the log"; pass "master key never logged"

code=$(kcurl "${H[@]}" "$URL/v1/service?service_id=$ID")
[ "$code" = 200 ] || { cat "$T/body"; fail "/v1/service: $code"; }
python3 - "$T/body" "$ID" <<'PY' || fail "service reply"
import base64, json, sys
r = json.load(open(sys.argv[1]))
assert r["service_id"] == sys.argv[2], r
assert len(base64.b64decode(r["pop"], validate=True)) == 48, r
PY
pass "/v1/service: object id and a 48-byte PoP over HTTPS"
grep -qi '^X-KeyServer-Version: 0.6.10' "$T/hdr" || fail "version header"; pass "X-KeyServer-Version"
grep -qi '^X-KeyServer-GitVersion: daas-' "$T/hdr" || fail "git version header"; pass "X-KeyServer-GitVersion"

code=$(kcurl "$URL/v1/service?service_id=$ID")
[ "$code" = 400 ] && grep -q '"error":"MissingRequiredHeader"' "$T/body" || { cat "$T/body"; fail "missing header: $code"; }
grep -qi '^X-KeyServer-Version: 0.6.10' "$T/hdr" || fail "version header on an error"
pass "400 MissingRequiredHeader (with the version header)"
code=$(kcurl "${H[@]}" "$URL/v1/service?service_id=0x1234")
[ "$code" = 400 ] && grep -q '"error":"InvalidServiceId","message":"Invalid service ID"' "$T/body" || { cat "$T/body"; fail "service id: $code"; }
pass "400 InvalidServiceId"
code=$(kcurl -H 'Client-Sdk-Version: 0.4.4' -H 'Client-Sdk-Type: typescript' -H 'Content-Type: application/json' -d '{}' "$URL/v1/fetch_key")
[ "$code" = 426 ] && grep -q '"error":"DeprecatedSDKVersion"' "$T/body" || { cat "$T/body"; fail "deprecated: $code"; }
pass "426 DeprecatedSDKVersion"
code=$(kcurl "${H[@]}" -H 'Content-Type: application/json' -d '{}' "$URL/v1/fetch_key")
[ "$code" = 422 ] || { cat "$T/body"; fail "empty request: $code"; }; pass "422 for a request without fields"

# the reference TypeScript SDK (@mysten/seal, pinned in tests/interop/seal) against this
# server: verifyKeyServer (PoP and version header), SessionKey + fetchKeysForAllIds for an
# allowed staked user (keys that verify), and NoAccessError for a policy refusal
SDK=${DAAS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/interop/seal
if command -v node >/dev/null && [ -d "$SDK/node_modules/@mysten/seal" ]; then
  USER_SECRET=$(sui keygen --print-secret | grep -o 'suiprivkey1[0-9a-z]*' | head -1)
  [ -n "$USER_SECRET" ] || fail "keygen --print-secret"
  sui import "$USER_SECRET" --alias user >/dev/null
  sui faucet --key user >/dev/null
  sui stake --key user --role viewer --amount 2 >/dev/null
  POL=$(timeout 60 "$DAAS_BIN" seal policy create --key user --required-stake 1000000000 --ticket-ttl 1h)
  TICKET=$(timeout 60 "$DAAS_BIN" seal policy request-access "$POL" --key user)
  PK=$(sed -n 's/^keyserver: serving 0x[0-9a-f]* pk \([0-9a-f]*\) on .*/\1/p' "$T/ks.out")
  PKG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["package"])' "$DAAS_CHAIN")
  cat "$DN/tls/ca.crt" "$KS/tls.crt" >"$T/cas.pem"
  cat >"$T/sdk.mjs" <<'JS'
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [sdkDir, gqlUrl, ksUrl, ksId, pkHex, pkg, policy, ticket, secret] = process.argv.slice(2);
const imp = (p) => import(pathToFileURL(join(sdkDir, 'node_modules', p)).href);
const { Transaction, Inputs } = await imp('@mysten/sui/dist/transactions/index.mjs');
const { Ed25519Keypair } = await imp('@mysten/sui/dist/keypairs/ed25519/index.mjs');
const { SessionKey } = await imp('@mysten/seal/dist/session-key.mjs');
const { fetchKeysForAllIds, verifyKeyServer } = await imp('@mysten/seal/dist/key-server.mjs');
const { BonehFranklinBLS12381Services } = await imp('@mysten/seal/dist/ibe.mjs');
const { G1Element, G2Element } = await imp('@mysten/seal/dist/bls12381.mjs');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const check = (ok, what) => { if (!ok) { console.log('FAIL: ' + what); process.exit(1); } };

async function gql(query, variables) {
  const r = await fetch(gqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' },
                                  body: JSON.stringify({ query, variables }) });
  const j = await r.json();
  if (j.errors) throw new Error(JSON.stringify(j.errors));
  return j.data;
}
const OBJ = 'query DaasObject($id: SuiAddress!) { object(address: $id) { address version digest owner { __typename ... on Shared { initialSharedVersion } } } }';
const BY_TYPE = 'query DaasObjectsByType($type: String!, $first: Int, $cursor: String) { objects(first: $first, after: $cursor, filter: { type: $type }) { nodes { address owner { __typename ... on Shared { initialSharedVersion } } } } }';
const t = (await gql(OBJ, { id: ticket })).object;
const p = (await gql(OBJ, { id: policy })).object;
const pool = (await gql(BY_TYPE, { type: `${pkg}::staking::Pool`, first: 5 })).objects.nodes[0];

const kp = Ed25519Keypair.fromSecretKey(secret);
const server = { url: ksUrl, objectId: ksId, pk: unhex(pkHex) };
check(await verifyKeyServer(server, 10000), 'verifyKeyServer (PoP over /v1/service)');
console.log('ok - SDK verifyKeyServer: the PoP verifies');

async function ptb(ids) {
  const tx = new Transaction();
  for (const id of ids)
    tx.moveCall({ target: `${pkg}::secret_policy::seal_approve`, arguments: [
      tx.pure.vector('u8', id),
      tx.object(Inputs.SharedObjectRef({ objectId: policy, initialSharedVersion: p.owner.initialSharedVersion, mutable: false })),
      tx.object(Inputs.ObjectRef({ objectId: ticket, version: t.version, digest: t.digest })),
      tx.object(Inputs.SharedObjectRef({ objectId: pool.address, initialSharedVersion: pool.owner.initialSharedVersion, mutable: false })),
      tx.object(Inputs.SharedObjectRef({ objectId: '0x6', initialSharedVersion: 1, mutable: false })) ] });
  return tx.build({ onlyTransactionKind: true });
}
const session = new SessionKey({ address: kp.toSuiAddress(), packageId: pkg, ttlMin: 10, signer: kp });
async function fetchKeys(ids) {
  const txBytes = await ptb(ids);
  const rp = await session.createRequestParams(txBytes);
  return fetchKeysForAllIds({ url: ksUrl, requestSignature: rp.requestSignature, transactionBytes: txBytes,
    encKey: rp.encKey, encKeyPk: rp.encKeyPk, encVerificationKey: rp.encVerificationKey,
    certificate: await session.getCertificate(), timeout: 10000 });
}
const ids = ['sdk-one', 'sdk-two'].map((s) => Uint8Array.from([...unhex(policy), ...Buffer.from(s)]));
const keys = await fetchKeys(ids);
check(keys.length === 2, 'two keys');
const pk = G2Element.fromBytes(unhex(pkHex));
for (let i = 0; i < 2; i++) {
  check(keys[i].fullId === hex(unhex(pkg)) + hex(ids[i]), `full id ${i}: ${keys[i].fullId}`);
  check(BonehFranklinBLS12381Services.verifyUserSecretKey(G1Element.fromBytes(keys[i].key), keys[i].fullId, pk),
        `key ${i} verifies`);
}
console.log('ok - SDK SessionKey + fetchKeysForAllIds: keys ElGamal-decrypt and verify');
try {
  await fetchKeys([Buffer.from('not-the-policy-prefix')]);
  check(false, 'a refused id');
} catch (e) {
  check(e.constructor.name === 'NoAccessError', `NoAccessError, got ${e.constructor.name}: ${e.message}`);
}
console.log('ok - SDK maps a policy abort to NoAccessError');
JS
  NODE_EXTRA_CA_CERTS=$T/cas.pem timeout 120 node "$T/sdk.mjs" "$SDK" \
    "https://127.0.0.1:$DPORT/graphql" "$URL" "$ID" "$PK" "$PKG" "$POL" "$TICKET" "$USER_SECRET" \
    >"$T/sdk.out" 2>&1 || { cat "$T/sdk.out"; tail -5 "$T/ks.log"; fail "the Seal TS SDK against daas keyserver"; }
  cat "$T/sdk.out"; PASSED=$((PASSED + 3))
else
  fail "@mysten/seal is not installed (run scripts/install-npm.sh): the SDK interop cannot run"
fi
stop_ks; pass "SIGTERM: clean exit"

# a restart finds the same object; --object-id serves it; another key may not
start_ks --master-key "$KS/master.key" --key ks --url "$URL" --name e2e
FIRST=$ID
grep -q "KeyServer $ID found" "$T/ks.log" || fail "found"; pass "restart finds the KeyServer"
stop_ks
start_ks --master-key "$KS/master.key" --object-id "$FIRST"
[ "$ID" = "$FIRST" ] || fail "--object-id"; pass "--object-id serves the existing object"
stop_ks
# 0x01 followed by random bytes is < r: a valid master key of someone else
(umask 077; printf '01%s\n' "$(openssl rand -hex 31)" >"$KS/other.key")
expect_code "foreign object" 1 'another public key' \
  timeout 60 "$DAAS_BIN" keyserver --master-key "$KS/other.key" --insecure-http --object-id "$FIRST"
chmod 644 "$KS/master.key"
expect_code "0644 key file refused" 1 'mode 0644' \
  timeout 60 "$DAAS_BIN" keyserver --master-key "$KS/master.key" --insecure-http --object-id "$FIRST"
done_tests
