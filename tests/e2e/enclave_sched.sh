#!/usr/bin/env bash
# enclave_sched.sh: the scheduling endpoints of the real `daas enclave --listen unix:…`,
# driven with curl and BCS bodies built by an independent Python encoder (sched.h's format):
# the running digest, a signed decision verified with Ed25519 over the intent-2 bytes, the
# kube-style reason of an unschedulable pod, a seq gap, malformed bodies, a signed batch
# root; SIGTERM ends the enclave with status 0.
source "$(dirname "$0")/lib/common.sh"

EPID=
trap 'st=$?; [ -n "$EPID" ] && kill -KILL "$EPID" 2>/dev/null; (exit $st); cleanup' EXIT

ucurl() { curl -s --max-time 10 --unix-socket "$T/e.sock" "$@"; }
post() { ucurl -o "$T/reply.json" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
  --data-binary "@$2" "http://e$1"; }

cat >"$T/sched.py" <<'PY'
import hashlib, json, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

def uleb(n):
    out = b""
    while True:
        b = n & 0x7F; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def s(x): x = x.encode() if isinstance(x, str) else x; return uleb(len(x)) + x
def u64(n): return struct.pack("<Q", n)
def vec(items): return uleb(len(items)) + b"".join(items)
def res(rs): return vec([s(k) + u64(v) for k, v in sorted(rs.items())])
def node(seq, name, cpu, owner, taints=()):
    body = s(name) + bytes([owner]) * 32 + u64(100) + b"\x01\x00" + \
        res({"cpu": cpu, "memory": 8 << 30}) + vec([]) + \
        vec([s(k) + s(v) + bytes([e]) for k, v, e in taints])
    return u64(seq) + uleb(0) + body
def pod(uid, cpu):
    return s(uid) + s("default") + s(uid) + s(b"\xab" * 32) + res({"cpu": cpu}) + vec([]) + \
        b"\x00" + vec([])
def b2(x): return hashlib.blake2b(x, digest_size=32).digest()
def verify(pk, msg, sig): Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)

cmd, T = sys.argv[1], sys.argv[2]
if cmd == "bodies":
    deltas = [node(1, "n1", 4000, 1), node(2, "n2", 8000, 2),
              node(3, "n3", 2000, 3, [("gpu", "true", 1)])]
    open(T + "/deltas.bin", "wb").write(vec(deltas))
    open(T + "/gap.bin", "wb").write(vec([node(5, "n5", 1000, 5)]))
    open(T + "/pod.bin", "wb").write(pod("pod-a", 1000))
    open(T + "/big.bin", "wb").write(pod("pod-big", 9000))
    d = bytes(32)
    for x in deltas: d = b2(d + x)
    print(d.hex())
elif cmd == "decision":  # T PK DIGEST: checks reply.json, prints the Merkle leaf
    pk, digest = bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
    r = json.load(open(T + "/reply.json"))
    assert set(r) == {"decision", "signature", "index"} and r["index"] == 0, r
    dec = bytes.fromhex(r["decision"])
    assert dec.startswith(s("pod-a") + s(b"\xab" * 32) + s("n2") + u64(3) + s(digest)), dec.hex()
    ts = dec[-8:]
    msg = b"\x02" + ts + dec
    verify(pk, msg, bytes.fromhex(r["signature"]))
    print(b2(b"\x00" + msg).hex())
elif cmd == "batch":  # T PK LEAF
    pk, leaf = bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
    r = json.load(open(T + "/reply.json"))
    assert r["root"] == leaf.hex() and r["first"] == 0 and r["count"] == 1, r
    msg = b"\x03" + u64(r["timestamp_ms"]) + s(leaf) + u64(0) + u64(1)
    verify(pk, msg, bytes.fromhex(r["signature"]))
PY
sp() { python3 "$T/sched.py" "$1" "$T" "${@:2}"; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/reply.json" "$1"; }

"$DAAS_BIN" enclave --listen "unix:$T/e.sock" --debug-ca "$T/ca" >"$T/enclave.log" 2>&1 &
EPID=$!
for _ in $(seq 100); do ucurl http://e/ >/dev/null 2>&1 && break; sleep 0.1; done
ucurl -o "$T/reply.json" http://e/health_check || { cat "$T/enclave.log"; fail "enclave not ready"; }
PK=$(field pk)

ucurl -o "$T/reply.json" http://e/sched/state
[ "$(field seq)/$(field decisions)/$(field digest)" = "0/0/$(printf '0%.0s' $(seq 64))" ] ||
  fail "a fresh enclave is not at seq 0: $(cat "$T/reply.json")"
pass "GET /sched/state: seq 0, zero digest, empty log"

DIGEST=$(sp bodies)
[ "$(post /sched/deltas "$T/deltas.bin")" = 200 ] || fail "deltas: $(cat "$T/reply.json")"
[ "$(field seq)" = 3 ] && [ "$(field digest)" = "$DIGEST" ] ||
  fail "digest differs from BLAKE2b chain $DIGEST: $(cat "$T/reply.json")"
pass "POST /sched/deltas: seq 3, digest = the BLAKE2b-256 chain over the BCS deltas"

[ "$(post /sched/schedule "$T/pod.bin")" = 200 ] || fail "schedule: $(cat "$T/reply.json")"
LEAF=$(sp decision "$PK" "$DIGEST") || fail "decision does not verify: $(cat "$T/reply.json")"
pass "POST /sched/schedule: pod-a → n2 at seq 3, Ed25519 signature over the intent-2 bytes"

[ "$(post /sched/schedule "$T/big.bin")" = 409 ] || fail "big pod: $(cat "$T/reply.json")"
[ "$(field error)" = "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 2 Insufficient cpu." ] ||
  fail "reason: $(cat "$T/reply.json")"
pass "unschedulable → 409 with the kube-style reason"

[ "$(post /sched/deltas "$T/gap.bin")" = 409 ] && [ "$(field seq)" = 3 ] ||
  fail "seq gap: $(cat "$T/reply.json")"
printf 'junk' >"$T/junk.bin"
[ "$(post /sched/deltas "$T/junk.bin")" = 400 ] && grep -q '"error"' "$T/reply.json" ||
  fail "junk deltas: $(cat "$T/reply.json")"
[ "$(post /sched/schedule "$T/junk.bin")" = 400 ] || fail "junk pod: $(cat "$T/reply.json")"
pass "seq gap → 409 with the enclave's seq; malformed bodies → 400"

printf '{"first":0,"count":1}' >"$T/batch.json"
[ "$(post /sched/batch "$T/batch.json")" = 200 ] || fail "batch: $(cat "$T/reply.json")"
sp batch "$PK" "$LEAF" || fail "batch root or signature wrong: $(cat "$T/reply.json")"
printf '{"first":0,"count":2}' >"$T/batch.json"
[ "$(post /sched/batch "$T/batch.json")" = 400 ] || fail "batch past the log: $(cat "$T/reply.json")"
pass "POST /sched/batch: root = the decision's leaf, intent-3 signature; past the log → 400"

kill -TERM "$EPID"
st=0; wait "$EPID" || st=$?
EPID=
[ $st -eq 0 ] || { tail -n 20 "$T/enclave.log"; fail "enclave exited with status $st"; }
pass "SIGTERM → exit 0"
