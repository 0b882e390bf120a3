#!/usr/bin/env bash
# auth_token.sh: `daas auth token`, the kubectl exec credential plugin, on its own (no server):
# the ExecCredential it prints (shape, token fields, expiry), the token's Ed25519 signature
# checked independently with openssl over the Sui personal-message digest, every way of
# naming the key (literal, keystore entry, key file, one-key keystore, alias, address,
# $DAAS_KEYSTORE), and the errors: bad flags, missing flags, --ttl over 15m, unknown alias.
source "$(dirname "$0")/lib/common.sh"

W=$T/wallet
mkdir -p "$W"
# A fresh Ed25519 key made with python and openssl only: keystore entry, public key,
# address = BLAKE2b-256(0x00 || pubkey).
python3 - "$W" <<'PY'
import base64, hashlib, os, subprocess, sys
w = sys.argv[1]
seed = os.urandom(32)
der = bytes.fromhex("302e020100300506032b657004220420") + seed
open(w + "/key.der", "wb").write(der)
pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", w + "/key.der", "-pubout",
                      "-outform", "DER"], check=True, capture_output=True).stdout[-32:]
open(w + "/entry", "w").write(base64.b64encode(b"\x00" + seed).decode())
open(w + "/address", "w").write("0x" + hashlib.blake2b(b"\x00" + pub, digest_size=32).hexdigest())
open(w + "/sui.keystore", "w").write('["%s"]' % base64.b64encode(b"\x00" + seed).decode())
open(w + "/sui.aliases", "w").write('[{"alias":"alice","public_key_base64":"%s"}]'
                                    % base64.b64encode(b"\x00" + pub).decode())
subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", w + "/key.der", "-pubout",
                "-out", w + "/pub.pem"], check=True)
PY
ENTRY=$(cat "$W/entry")
ADDR=$(cat "$W/address")
tok() { "$DAAS_BIN" auth token "$@"; }

# check_cred FILE CLUSTER TTL_MS: the ExecCredential in FILE is well formed, its token names
# CLUSTER and our address, expires TTL_MS from now, and carries a valid signature.
check_cred() {
  python3 - "$1" "$2" "$3" "$ADDR" "$W" <<'PY'
import base64, datetime, hashlib, json, re, subprocess, sys, time
path, cluster, ttl, addr, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
raw = open(path).read()
assert raw.endswith("}\n") and raw.count("\n") == 1, "one JSON line on stdout"
c = json.loads(raw)
assert c["apiVersion"] == "client.authentication.k8s.io/v1", c
assert c["kind"] == "ExecCredential", c
st = c["status"]
assert set(st) == {"token", "expirationTimestamp"}, st
t = st["token"]
assert t.startswith("daas-sui.v1.") and len(t) <= 1024, t
m64, s64 = t[len("daas-sui.v1."):].split(".")
assert "=" not in t
dec = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
msg, sig = dec(m64), dec(s64)
f = msg.decode().split(":")
assert f[:3] == ["daas-auth", "v1", cluster] and f[3] == addr, f
assert re.fullmatch(r"[0-9a-f]{32}", f[5]), f
now = time.time() * 1000
exp = int(f[4])
assert now + ttl - 10000 < exp <= now + ttl + 1000, (exp, now)
ts = datetime.datetime.strptime(st["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
ts = ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
assert exp - min(30000, ttl / 5) - 1000 <= ts <= exp, (ts, exp)
# Sui personal message: BLAKE2b-256([3,0,0] || ULEB128(len) || msg); Ed25519 over the digest
assert len(msg) < 128 * 128
uleb = bytes([len(msg)]) if len(msg) < 128 else bytes([len(msg) & 0x7f | 0x80, len(msg) >> 7])
digest = hashlib.blake2b(bytes([3, 0, 0]) + uleb + msg, digest_size=32).digest()
assert len(sig) == 97 and sig[0] == 0, len(sig)
open(w + "/digest", "wb").write(digest)
open(w + "/sig", "wb").write(sig[1:65])
subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", w + "/pub.pem", "-rawin",
                "-in", w + "/digest", "-sigfile", w + "/sig"], check=True, capture_output=True)
PY
}

# ---- the credential ----
tok --key "$ENTRY" --cluster-id e2e-1 >"$T/cred.json" || fail "plugin failed"
check_cred "$T/cred.json" e2e-1 300000 || fail "credential check"
pass "ExecCredential shape, token fields, expiry and signature (default ttl 5m)"
tok --key "$ENTRY" --cluster-id e2e-1 --ttl 15m >"$T/cred15.json" || fail "ttl 15m refused"
check_cred "$T/cred15.json" e2e-1 900000 || fail "credential check (15m)"
pass "--ttl 15m is the longest accepted"
tok --key "$ENTRY" --cluster-id a.B_c-9 --ttl 1m30s >"$T/cred90.json" || fail "ttl 1m30s"
check_cred "$T/cred90.json" a.B_c-9 90000 || fail "credential check (1m30s)"
pass "--ttl 1m30s and a cluster id with . _ -"
t1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"]["token"])' "$T/cred.json")
tok --key "$ENTRY" --cluster-id e2e-1 >"$T/cred2.json"
t2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"]["token"])' "$T/cred2.json")
[ "$t1" != "$t2" ] || fail "two runs printed the same token (nonce reuse)"
pass "every run signs a fresh nonce"

# ---- ways of naming the key ----
same_addr() { # DESCRIPTION ARGS...: the plugin works and its token names our address
  local what=$1; shift
  local out
  out=$(tok "$@" --cluster-id e2e-1) || fail "$what: plugin failed"
  python3 -c 'import base64,json,sys; t=json.loads(sys.argv[1])["status"]["token"].split(".")[2]; print(base64.urlsafe_b64decode(t+"="*(-len(t)%4)).decode().split(":")[3])' "$out" |
    grep -qx "$ADDR" || fail "$what: wrong address in the token"
  pass "$what"
}
same_addr "key as a keystore entry" --key "$ENTRY"
same_addr "key as a one-key keystore file" --key "$W/sui.keystore"
echo "$ENTRY" >"$W/not-a-privkey.txt"
expect_err "a key file whose first line is not a suiprivkey" 'first line is not a suiprivkey1' \
  tok --key "$W/not-a-privkey.txt" --cluster-id e2e-1
same_addr "key as an alias (--keystore, sui.aliases next to it)" --key alice --keystore "$W/sui.keystore"
same_addr "key as an address" --key "$ADDR" --keystore "$W/sui.keystore"
DAAS_KEYSTORE=$W/sui.keystore same_addr "keystore from \$DAAS_KEYSTORE" --key alice
mkdir -p "$HOME/.sui/sui_config"
cp "$W/sui.keystore" "$W/sui.aliases" "$HOME/.sui/sui_config/"
same_addr "keystore from ~/.sui/sui_config" --key alice
same_addr "--keystore with ~/ expanded" --key alice --keystore '~/.sui/sui_config/sui.keystore'

# ---- errors: one line on stderr, nothing on stdout, the right exit code ----
# expect_exit CODE "regex" ARGS...
expect_exit() {
  local code=$1 re=$2; shift 2
  local rc=0
  "$DAAS_BIN" "$@" >"$T/out" 2>"$T/err" || rc=$?
  [ "$rc" = "$code" ] || { cat "$T/err"; fail "daas $*: exit $rc, want $code"; }
  [ ! -s "$T/out" ] || { cat "$T/out"; fail "daas $*: printed on stdout"; }
  [ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err"; fail "daas $*: not one line on stderr"; }
  grep -Eq -- "$re" "$T/err" || { cat "$T/err"; fail "daas $*: stderr does not match /$re/"; }
  pass "exit $code: $(cat "$T/err")"
}
expect_exit 2 'ttl must be between 10s and 15m' auth token --key "$ENTRY" --cluster-id c --ttl 16m
expect_exit 2 'ttl must be between 10s and 15m' auth token --key "$ENTRY" --cluster-id c --ttl 15m1s
expect_exit 2 'ttl must be between 10s and 15m' auth token --key "$ENTRY" --cluster-id c --ttl 5s
expect_exit 2 'bad --ttl "5 minutes"' auth token --key "$ENTRY" --cluster-id c --ttl '5 minutes'
expect_exit 2 'unknown flag "--frobnicate"' auth token --key "$ENTRY" --cluster-id c --frobnicate
expect_exit 2 'unknown flag "-x"' auth token -x --key "$ENTRY" --cluster-id c
expect_exit 2 'flag --key needs a value' auth token --cluster-id c --key
expect_exit 2 'unexpected argument "extra"' auth token --key "$ENTRY" --cluster-id c extra
expect_exit 2 '--key is required' auth token --cluster-id c
expect_exit 2 '--cluster-id is required' auth token --key "$ENTRY"
expect_exit 2 'cluster-id must be 1 to 64 characters' auth token --key "$ENTRY" --cluster-id 'a:b'
expect_exit 1 "no key 'bob' in $W/sui.keystore" auth token --key bob --keystore "$W/sui.keystore" --cluster-id c
expect_exit 1 "no key 'bob' in $HOME/.sui/sui_config/sui.keystore" auth token --key bob --cluster-id c
expect_exit 1 "key file $W/missing: No such file" auth token --key "$W/missing" --cluster-id c
expect_exit 1 '--key: ' auth token --key suiprivkey1qqqqqqqqqqqq --cluster-id c
grep -q qqqqqqqq "$T/err" && fail "the bad key was echoed"
pass "a bad suiprivkey is not echoed"
expect_exit 2 'missing sub-command' auth
expect_exit 2 'unknown sub-command "login"' auth login
expect_out "auth token --help" 'usage: daas auth token' "$DAAS_BIN" auth token --help
expect_out "daas --help lists auth" 'auth +kubectl credential plugin' "$DAAS_BIN" --help

# ---- kubectl runs the plugin and sends its token ----
# This server has no wallet authenticator (no --chain), so the token is refused with 401:
# what matters is that kubectl accepted the ExecCredential and sent the token, and that a
# failing plugin shows its one line.
start_server
cp "$KUBECONFIG" "$T/kc"
KUBECONFIG=$T/kc kubectl config set-credentials wallet --exec-api-version=client.authentication.k8s.io/v1 \
  --exec-command="$DAAS_BIN" --exec-arg=auth --exec-arg=token --exec-arg=--key \
  --exec-arg="$W/sui.keystore" --exec-arg=--cluster-id --exec-arg=e2e-1 \
  --exec-interactive-mode=Never >/dev/null
KUBECONFIG=$T/kc kubectl config set-context --current --user=wallet >/dev/null
expect_err "kubectl sends the plugin's token (refused here: no wallet authenticator)" \
  'You must be logged in to the server' env KUBECONFIG="$T/kc" kubectl --cache-dir "$T/c1" get ns
KUBECONFIG=$T/kc kubectl config set-credentials wallet --exec-arg=auth --exec-arg=token \
  --exec-arg=--key --exec-arg=nobody --exec-arg=--keystore --exec-arg="$W/sui.keystore" \
  --exec-arg=--cluster-id --exec-arg=e2e-1 >/dev/null
expect_err "kubectl shows a failing plugin's line" "no key 'nobody' in $W/sui.keystore" \
  env KUBECONFIG="$T/kc" kubectl --cache-dir "$T/c2" get ns

done_tests
