# common.sh: what every end-to-end test shares: a private server on a free port, a private
# HOME and kubectl cache, assertion helpers. Source it from a test; it cleans up on exit.
# Needs: DAAS_BIN (the daas binary; ctest sets it), kubectl, curl, python3.
# DAAS_E2E_DATASTORE=etcd runs the server on a 3-member etcd cluster instead of SQLite
# (lib/datastore.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/datastore.sh"

: "${DAAS_BIN:?DAAS_BIN must point at the daas binary}"
command -v kubectl >/dev/null || { echo "FAIL: kubectl not found"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl not found"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/daas-e2e.XXXXXX")
export HOME=$T/home
mkdir -p "$HOME"
DATA=$T/data
SERVER_PID=
PASSED=0

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # A clean shutdown is part of every test: under ASan a leak makes the exit non-zero.
    if ! stop_server && [ $rc -eq 0 ]; then
      echo "FAIL: the server did not shut down cleanly"; rc=1
    fi
  fi
  if [ $rc -ne 0 ] && [ -f "$T/server.log" ]; then
    echo "---- server log (last 40 lines) ----"; tail -n 40 "$T/server.log"
  fi
  datastore_cleanup $rc # after the server: it may still be writing to etcd
  # tmpfs left by agents (runtime state, Secret volumes) go before the files
  awk -v t="$T/" 'index($2, t) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

# free_port: a loopback port free now and never handed out before in this test (the kernel
# may give a just-closed port again: two etcd members once got the same one).
free_port() {
  python3 - "$T/ports-used" <<'PY'
import os, socket, sys
f = sys.argv[1]
used = set(open(f).read().split()) if os.path.exists(f) else set()
for _ in range(100):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = str(s.getsockname()[1]); s.close()
    if p not in used:
        break
open(f, "a").write(p + "\n")
print(p)
PY
}

PORT=$(free_port)
export KUBECONFIG=$DATA/kubeconfig.yaml

# start_server [extra flags]: starts daas server and waits until /readyz answers (on etcd,
# the first call starts the cluster: lib/datastore.sh).
start_server() {
  datastore_prepare
  "$DAAS_BIN" server --data-dir "$DATA" --https-listen-port "$PORT" --bind-address 127.0.0.1 \
    --workers 4 "${DATASTORE_ARGS[@]}" "$@" >>"$T/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if curl -sk "https://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q ok; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: server exited at start"; return 1; }
    sleep 0.1
  done
  echo "FAIL: server not ready"; return 1
}

# stop_pid PID NAME: SIGTERM, then wait up to 20 s; fails when NAME exits non-zero.
stop_pid() {
  local pid=$1 name=$2 st=0
  kill -TERM "$pid" 2>/dev/null || return 1
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name did not stop within 20 s"; kill -KILL "$pid"; wait "$pid" 2>/dev/null; return 1
  fi
  wait "$pid" || st=$?
  [ $st -eq 0 ] || { echo "$name exited with status $st"; return 1; }
}

# stop_server: stop_pid of the test's server.
stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=
  stop_pid "$pid" server
}

# k ARGS: kubectl with a private cache and a timeout.
k() { timeout 60 kubectl --cache-dir "$T/cache" "$@"; }

# Admin credentials for curl (extracted once from the kubeconfig).
creds() {
  [ -f "$T/admin.crt" ] && return 0
  python3 - "$KUBECONFIG" "$T" <<'PY'
import base64, sys, re
cfg = open(sys.argv[1]).read()
def field(name):
    m = re.search(name + r':\s*(\S+)', cfg)
    return base64.b64decode(m.group(1))
open(sys.argv[2] + '/ca.crt', 'wb').write(field('certificate-authority-data'))
open(sys.argv[2] + '/admin.crt', 'wb').write(field('client-certificate-data'))
open(sys.argv[2] + '/admin.key', 'wb').write(field('client-key-data'))
PY
}

# api METHOD PATH [curl args...]: prints the body, then the HTTP status on the last line.
api() {
  creds
  local m=$1 p=$2; shift 2
  curl -s --cacert "$T/ca.crt" --cert "$T/admin.crt" --key "$T/admin.key" -X "$m" \
    -w '\n%{http_code}\n' "https://127.0.0.1:$PORT$p" "$@"
}

pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { echo "FAIL: $*"; exit 1; }

# expect_out "description" "regex" cmd...: runs cmd, requires success and output matching regex.
expect_out() {
  local what=$1 re=$2; shift 2
  local out
  if ! out=$("$@" 2>&1); then echo "$out"; fail "$what: command failed: $*"; fi
  if ! grep -Eq -- "$re" <<<"$out"; then echo "$out"; fail "$what: output does not match /$re/"; fi
  pass "$what"
}

# expect_err "description" "regex" cmd...: requires failure and output matching regex.
expect_err() {
  local what=$1 re=$2; shift 2
  local out
  if out=$("$@" 2>&1); then echo "$out"; fail "$what: command succeeded but should fail"; fi
  if ! grep -Eq -- "$re" <<<"$out"; then echo "$out"; fail "$what: error does not match /$re/"; fi
  pass "$what"
}

# expect_code "description" CODE "stderr regex" cmd...: exit status CODE and, when the regex
# is not empty, exactly one stderr line matching it (no stderr at all when it is empty); the
# command's stdout is left in $T/out, its stderr in $T/err.
expect_code() {
  local what=$1 code=$2 re=$3; shift 3
  local st=0
  "$@" >"$T/out" 2>"$T/err" || st=$?
  [ "$st" = "$code" ] || { cat "$T/out" "$T/err"; fail "$what: exit $st, want $code"; }
  if [ -n "$re" ]; then
    [ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err"; fail "$what: want one line on stderr"; }
    grep -Eq -- "$re" "$T/err" || { cat "$T/err"; fail "$what: stderr does not match /$re/"; }
  else
    [ ! -s "$T/err" ] || { cat "$T/err"; fail "$what: unexpected stderr"; }
  fi
  pass "$what"
}

# expect_status "description" CODE REASON METHOD PATH [curl args]: an API call answering a
# Status with that HTTP code and reason.
expect_status() {
  local what=$1 code=$2 reason=$3; shift 3
  local out
  out=$(api "$@")
  local got=${out##*$'\n'}
  local body=${out%$'\n'*}
  [ "$got" = "$code" ] || { echo "$body"; fail "$what: HTTP $got, want $code"; }
  if [ -n "$reason" ]; then
    grep -q "\"reason\":\"$reason\"" <<<"$body" || { echo "$body"; fail "$what: reason is not $reason"; }
    grep -q '"kind":"Status"' <<<"$body" || { echo "$body"; fail "$what: body is not a Status"; }
  fi
  pass "$what"
}

# ready_node NAME: a Node with 4 cpu, 8Gi, 110 pods allocatable and a Ready condition.
ready_node() {
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $1
EOF
  k patch node "$1" --subresource status --type merge -p '{"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"ready"}]}}' >/dev/null
}

done_tests() { echo "$PASSED passed, 0 failed"; }
