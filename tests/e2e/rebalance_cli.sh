#!/usr/bin/env bash
# rebalance_cli.sh: `daas rebalance`, the client side of POST /daas/v1/rebalance:
#   - usage errors: one line, exit 2, nothing sent (neither or both of --dry-run/--apply,
#     --plan without --apply or with tuning flags, numbers out of range, extra arguments);
#   - a missing or garbled kubeconfig, a garbled --plan file: one line, exit 1;
#   - against a real `daas server`: the request arrives over verified TLS with the admin
#     client certificate of the kubeconfig (answered by the endpoint, or 404 before the
#     endpoint exists, never 401/403), while a kubeconfig without credentials or with a bogus
#     token is refused (Unauthorized) and one without the CA fails verification;
#   - against a stand-in endpoint (python, TLS with a certificate of the cluster CA, client
#     certificates verified when sent): the admin certificate or a kubeconfig's bearer token,
#     the exact request bodies, the text and -o json outputs of a dry
#     run and of an applied plan, --plan FILE holding a whole earlier answer (only its plan
#     is sent), and a 403 Status shown as its message.
source "$(dirname "$0")/lib/common.sh"

FAKE_PID=
trap 'st=$?; set +e; [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID"; (exit $st); cleanup' EXIT
rb() { timeout 60 "$DAAS_BIN" rebalance "$@"; }

# ---- usage (exit 2, one line), with no server at all ----
expect_code "no mode" 2 '^daas rebalance: give exactly one of --dry-run and --apply' rb
expect_code "both modes" 2 'give exactly one of --dry-run and --apply' rb --dry-run --apply
expect_code "--plan without --apply" 2 '^daas rebalance: --plan needs --apply' \
  rb --dry-run --plan "$T/none.json"
expect_code "--plan with --threshold" 2 'cannot be used with --plan' \
  rb --apply --plan "$T/none.json" --threshold 50
expect_code "threshold 0" 2 'bad --threshold "0": want an integer from 1 to 100' \
  rb --dry-run --threshold 0
expect_code "max-evictions 1001" 2 'bad --max-evictions "1001"' rb --dry-run --max-evictions 1001
expect_code "fairness abc" 2 'bad --fairness "abc"' rb --dry-run --fairness abc
expect_code "-o yaml" 2 'bad -o "yaml": only json is supported' rb --dry-run -o yaml
expect_code "unknown flag" 2 'bad option "--force"' rb --apply --force
expect_code "extra argument" 2 'unexpected argument "now"' rb --apply now
expect_code "--help" 0 '' rb --help
grep -q '^usage: daas rebalance (--dry-run | --apply)' "$T/out" || fail "--help prints the usage"

# ---- kubeconfig and plan file problems (exit 1, one line) ----
expect_code "missing kubeconfig" 1 '^daas rebalance: kubeconfig: cannot read .*/nope.yaml: No such file' \
  rb --dry-run --kubeconfig "$T/nope.yaml"
printf 'clusters: [unclosed\n' >"$T/garbled.yaml"
expect_code "garbled kubeconfig" 1 '^daas rebalance: kubeconfig: not YAML: ' \
  rb --dry-run --kubeconfig "$T/garbled.yaml"
printf 'apiVersion: v1\nkind: Config\n' >"$T/empty.yaml"
expect_code "kubeconfig without current-context" 1 '^daas rebalance: kubeconfig: no current-context' \
  rb --dry-run --kubeconfig "$T/empty.yaml"
printf '{"round": 3, "plan": ' >"$T/garbled.json"
expect_code "garbled plan file" 1 '^daas rebalance: plan file: not JSON: ' \
  rb --apply --plan "$T/garbled.json" --kubeconfig "$T/nope.yaml"
printf '{"round":3,"stateSeq":1,"index":1,"timestampMs":1,"plan":"00","signature":"00","pk":"00","enclave":"0x00"}' \
  >"$T/short.json"
expect_code "plan with a short signature" 1 '^daas rebalance: plan file: "signature" must be 128 hex digits \(64 bytes\)$' \
  rb --apply --plan "$T/short.json"
expect_code "missing plan file" 1 '^daas rebalance: plan file .*/none.json: No such file' \
  rb --apply --plan "$T/none.json"

# ---- a real server ----
start_server
creds
# variants of the admin kubeconfig: no credentials, a bogus token, no CA, a second context
python3 - "$KUBECONFIG" "$T" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
t = sys.argv[2]
creds = re.compile(r'(  user:)\n    client-certificate-data: \S+\n    client-key-data: \S+\n')
assert creds.search(s), s
open(t + "/anon.yaml", "w").write(creds.sub(r'\1 {}\n', s))
open(t + "/token.yaml", "w").write(creds.sub(r'\1\n    token: bogus-token\n', s))
open(t + "/noca.yaml", "w").write(re.sub(r'    certificate-authority-data: \S+\n', '', s))
PY
st=0; rb --dry-run >"$T/out" 2>"$T/err" || st=$?
if [ $st -eq 0 ]; then
  grep -q '^plan [0-9]* signed by enclave ' "$T/out" || { cat "$T/out"; fail "admin: an answer"; }
else
  [ $st -eq 1 ] && [ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err"; fail "admin: exit $st, one line"; }
  grep -q '^daas rebalance: ' "$T/err" || { cat "$T/err"; fail "admin: the error line"; }
  # authenticated and authorized (system:masters): whatever the endpoint says, not these
  ! grep -Eqi 'unauthorized|forbidden|certificate|ssl' "$T/err" || { cat "$T/err"; fail "admin refused"; }
fi
pass "admin kubeconfig: the request reaches the server authenticated"
expect_code "no credentials" 1 '^daas rebalance: Unauthorized$' rb --dry-run --kubeconfig "$T/anon.yaml"
expect_code "bogus token" 1 '^daas rebalance: Unauthorized$' rb --dry-run --kubeconfig "$T/token.yaml"
expect_code "no CA: verification fails" 1 '^daas rebalance: .*certificate' \
  rb --dry-run --kubeconfig "$T/noca.yaml"
expect_code "unknown context" 1 '^daas rebalance: kubeconfig: context "other" not found$' \
  rb --dry-run --context other

# ---- a stand-in endpoint, to see the requests and the outputs ----
FPORT=$(free_port)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=fake \
  -keyout "$T/fake.key" -out "$T/fake.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$T/fake.ext"
openssl x509 -req -in "$T/fake.csr" -CA "$DATA/tls/ca.crt" -CAkey "$DATA/tls/ca.key" \
  -CAcreateserial -days 1 -extfile "$T/fake.ext" -out "$T/fake.crt" 2>/dev/null
PK=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
cat >"$T/fake.py" <<'PY'
import json, ssl, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, d, pk = int(sys.argv[1]), sys.argv[2], sys.argv[3]
PLAN = {"round": 3, "stateSeq": 17, "index": 12, "timestampMs": 1763700000000, "plan": "0a0b",
        "signature": pk * 2, "pk": pk, "enclave": "0x" + pk}
EV = [{"namespace": "default", "name": "web-1", "uid": "u1", "node": "n1", "reason": "Overloaded",
       "score": 2750},
      {"namespace": "default", "name": "db-0", "uid": "u2", "node": "n2",
       "reason": "OverStakeShare", "score": 900}]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        peer = self.connection.getpeercert() or {"subject": []}
        cn = dict(x[0] for x in peer["subject"]).get("commonName")
        with open(d + "/requests", "a") as f:
            f.write(json.dumps({"path": self.path, "ctype": self.headers["Content-Type"],
                                "cn": cn, "auth": self.headers["Authorization"],
                                "body": body}) + "\n")
        if self.path != "/daas/v1/rebalance":
            return self.reply(404, {"kind": "Status", "code": 404, "message": "no such path"})
        if body.get("plan", {}).get("round") == 666:
            return self.reply(403, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                    "code": 403, "reason": "Forbidden",
                                    "message": "rebalance plan: the signature does not verify"})
        ev = [dict(e) for e in EV]
        if body["apply"]:
            ev[0].update(result="Evicted")
            ev[1].update(result="Refused", message="Cannot evict pod as it would violate the "
                         "pod's disruption budget.")
        else:
            for e in ev: e["result"] = "Planned"
        self.reply(200, {"kind": "RebalanceResult", "apiVersion": "daas.io/v1",
                         "dryRun": not body["apply"], "plan": PLAN, "evictions": ev})
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/fake.crt", d + "/fake.key")
ctx.load_verify_locations(d + "/ca.crt")
ctx.verify_mode = ssl.CERT_OPTIONAL # verified when sent
srv = HTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(d + "/fake.ready", "w").close()
srv.serve_forever()
PY
python3 "$T/fake.py" "$FPORT" "$T" "$PK" >"$T/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 100); do [ -f "$T/fake.ready" ] && break; sleep 0.1; done
[ -f "$T/fake.ready" ] || { cat "$T/fake.log"; fail "the stand-in endpoint did not start"; }
sed "s#server: \".*\"#server: \"https://127.0.0.1:$FPORT\"#" "$KUBECONFIG" >"$T/fake.yaml"
FK=(--kubeconfig "$T/fake.yaml")

# last_request: the last request the stand-in saw, as JSON
last_request() { tail -n 1 "$T/requests"; }
check_request() { # check_request DESCRIPTION PYTHON-EXPR-ON-r
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert eval(sys.argv[2]), r' \
    "$(last_request)" "$2" || fail "$1"
  pass "$1"
}

rb --dry-run "${FK[@]}" >"$T/dry.txt" 2>"$T/err" || { cat "$T/err"; fail "dry run against the stand-in"; }
check_request "dry run: POST /daas/v1/rebalance, JSON, the admin certificate" \
  'r["path"] == "/daas/v1/rebalance" and r["ctype"] == "application/json" and r["cn"] == "system:admin"'
check_request "dry run: body {\"apply\":false}, no Authorization" \
  'r["body"] == {"apply": False} and r["auth"] is None'
sed "s#server: \".*\"#server: \"https://127.0.0.1:$FPORT\"#" "$T/token.yaml" >"$T/fake-token.yaml"
rb --dry-run --kubeconfig "$T/fake-token.yaml" >/dev/null || fail "token kubeconfig against the stand-in"
check_request "a token kubeconfig: Authorization: Bearer, no client certificate" \
  'r["auth"] == "Bearer bogus-token" and r["cn"] is None'
cat >"$T/dry.want" <<EOF
plan 3 signed by enclave 0011223344556677… (state seq 17, log index 12): 2 eviction(s)
NAMESPACE   POD     NODE   REASON           SCORE   RESULT
default     web-1   n1     Overloaded       2750    Planned
default     db-0    n2     OverStakeShare   900     Planned
dry run: nothing was evicted
EOF
diff "$T/dry.want" "$T/dry.txt" || fail "dry run: the text output"
pass "dry run: the text output"

rb --dry-run --threshold 80 --max-evictions 10 --fairness 0 -o json "${FK[@]}" >"$T/dry.json" ||
  fail "dry run -o json"
check_request "tuning flags in the body" \
  'r["body"] == {"apply": False, "thresholdPercent": 80, "maxEvictions": 10, "fairnessPercent": 0}'
python3 - "$T/dry.json" <<'PY' || fail "-o json: the answer, indented by 2"
import json, sys
raw = open(sys.argv[1]).read()
a = json.loads(raw)
assert a["kind"] == "RebalanceResult" and a["dryRun"] is True and len(a["evictions"]) == 2, a
assert raw.startswith('{\n  "kind": "RebalanceResult",'), raw[:40]
PY
pass "-o json: the answer, indented by 2"

rb --apply --plan "$T/dry.json" "${FK[@]}" >"$T/apply.txt" 2>"$T/err" || { cat "$T/err"; fail "apply --plan"; }
check_request "apply --plan: only the plan of the earlier answer is sent" \
  'r["body"]["apply"] is True and set(r["body"]) == {"apply", "plan"} and r["body"]["plan"]["round"] == 3 and "kind" not in r["body"]["plan"]'
grep -q '^NAMESPACE   POD     NODE   REASON           SCORE   RESULT    MESSAGE$' "$T/apply.txt" ||
  { cat "$T/apply.txt"; fail "apply: a MESSAGE column"; }
grep -q "^default     db-0    n2     OverStakeShare   900     Refused   Cannot evict pod as it would violate the pod's disruption budget.$" \
  "$T/apply.txt" || { cat "$T/apply.txt"; fail "apply: the refused row"; }
! grep -q 'dry run' "$T/apply.txt" || fail "apply: no dry-run line"
pass "apply: the evicted and refused rows"

python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); a["plan"]["round"]=666; print(json.dumps(a["plan"]))' \
  "$T/dry.json" >"$T/bad.json"
expect_code "a plan the server does not verify: its Status message" 1 \
  '^daas rebalance: rebalance plan: the signature does not verify$' rb --apply --plan "$T/bad.json" "${FK[@]}"
[ ! -s "$T/out" ] || fail "nothing on stdout after a refusal"

done_tests
