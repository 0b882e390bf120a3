# etcd.sh: a real etcd cluster (Debian's etcd-server 3.4) on loopback for the e2e tests
# (source after common.sh). Members are numbered 1..N; member I keeps its data, log and ports
# for the whole test (data in $T/etcd/mI, log in $T/etcd/mI.log), so it can be killed and
# restarted as the same member.
# etcd_cluster N [--tls]: starts N members on free loopback ports (one client and one peer
#   port each, a unique cluster token) and waits until every one answers /health and its JSON
#   gateway answers (/health alone says true while the gateway fails). With --tls
#   it first makes, with openssl, a CA, a certificate per member (SANs 127.0.0.1, localhost;
#   serverAuth and clientAuth: etcd's gateway and its peers present it as a client) and a
#   client certificate; members then require client certificates from that CA on both the
#   client and the peer port. Exports ETCD_ENDPOINTS (comma-separated client URLs) and
#   ETCD_CA, ETCD_CERT, ETCD_KEY (empty without --tls). Installs the EXIT trap: a daas server
#   (which may be using the cluster) is stopped first, then every member, then common.sh's
#   cleanup; a test that needs more in its trap calls etcd_cleanup from its own.
# etcd_kill I: kill -9 member I. etcd_stop I: SIGTERM, waits for the exit.
# etcd_start I: starts member I again on its data dir and ports; waits for its /health.
# etcd_stop_all / etcd_start_all: every member (start_all waits for every /health).
# etcd_leader: prints I of the member every running member names as leader; returns 1 when
#   there is none or they disagree.
# etcd_wait_leader SECONDS: until there is one (prints it), else the logs on stderr and 1
#   (use as L=$(etcd_wait_leader 10) || fail "no leader").
# egw I PATH [JSON]: POST JSON (default {}) to member I's JSON gateway (PATH is kv/put, or
#   /v3/kv/put, /health...) with the TLS flags; prints the body; non-zero on a transport error
#   or an HTTP error status. egw_put I KEY VALUE, egw_get I KEY [serializable]: plain text
#   keys and values (base64 on the wire); egw_get prints the value, nothing when absent.
# ectl ARGS: etcdctl against every endpoint with the TLS flags.
# b64 STRING: base64 of STRING, one line.
ETCD_BIN=${ETCD_BIN:-etcd}
ETCD_N=0
ETCD_TLS=0
ETCD_TOKEN=
ETCD_PIDS=()
ETCD_CPORTS=()
ETCD_PPORTS=()
ETCD_ENDPOINTS= ETCD_CA= ETCD_CERT= ETCD_KEY=
export ETCD_ENDPOINTS ETCD_CA ETCD_CERT ETCD_KEY

b64() { printf '%s' "$1" | base64 -w0; }

etcd_scheme() { if [ "$ETCD_TLS" = 1 ]; then echo https; else echo http; fi; }
ETCD_CURL_TLS=()

# etcd_certs DIR N: CA, member certificates m1..mN and a client certificate (EC P-256).
etcd_certs() {
  local d=$1 n=$2 i
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=daas-e2e-etcd-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null ||
    fail "openssl: CA"
  for i in $(seq "$n") client; do
    local name=m$i eku=serverAuth,clientAuth san=subjectAltName=IP:127.0.0.1,DNS:localhost
    [ "$i" = client ] && { name=client; eku=clientAuth; san=subjectAltName=DNS:daas; }
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
      -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null || fail "openssl: $name key"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
      "$eku" "$san" >"$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
      -days 2 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null || fail "openssl: $name cert"
  done
}

# etcd_args I: the command line of member I.
etcd_args() {
  local i=$1 s peers= j
  s=$(etcd_scheme)
  for j in $(seq "$ETCD_N"); do peers+="${peers:+,}m$j=$s://127.0.0.1:${ETCD_PPORTS[j]}"; done
  local a=(--name "m$i" --data-dir "$T/etcd/m$i"
    --listen-client-urls "$s://127.0.0.1:${ETCD_CPORTS[i]}"
    --advertise-client-urls "$s://127.0.0.1:${ETCD_CPORTS[i]}"
    --listen-peer-urls "$s://127.0.0.1:${ETCD_PPORTS[i]}"
    --initial-advertise-peer-urls "$s://127.0.0.1:${ETCD_PPORTS[i]}"
    --initial-cluster "$peers" --initial-cluster-token "$ETCD_TOKEN" --initial-cluster-state new
    --logger zap --log-outputs stderr)
  if [ "$ETCD_TLS" = 1 ]; then
    local c=$T/etcd/pki
    a+=(--cert-file "$c/m$i.crt" --key-file "$c/m$i.key" --client-cert-auth
      --trusted-ca-file "$c/ca.crt"
      --peer-cert-file "$c/m$i.crt" --peer-key-file "$c/m$i.key" --peer-client-cert-auth
      --peer-trusted-ca-file "$c/ca.crt")
  fi
  printf '%s\n' "${a[@]}"
}

# etcd_spawn I: starts member I in the background (no wait). etcd reads ETCD_* variables as
# flags, so ours are kept from it.
etcd_spawn() {
  local i=$1 args
  mapfile -t args < <(etcd_args "$i")
  env -u ETCD_ENDPOINTS -u ETCD_CA -u ETCD_CERT -u ETCD_KEY -u ETCD_BIN \
    "$ETCD_BIN" "${args[@]}" >>"$T/etcd/m$i.log" 2>&1 &
  ETCD_PIDS[i]=$!
}

etcd_healthy() {
  local out
  out=$(curl -s --max-time 2 "${ETCD_CURL_TLS[@]}" "$(etcd_scheme)://127.0.0.1:${ETCD_CPORTS[$1]}/health") &&
    grep -q '"health":"true"' <<<"$out" && egw "$1" maintenance/status >/dev/null 2>&1
}

etcd_logs() {
  local i
  for i in $(seq "$ETCD_N"); do
    echo "---- etcd m$i log (last 15 lines) ----"; tail -n 15 "$T/etcd/m$i.log" 2>/dev/null
  done
}

# etcd_wait_healthy I...: every given member answers /health within 20 s, else FAIL.
etcd_wait_healthy() {
  local i
  for i in "$@"; do
    for _ in $(seq 200); do
      etcd_healthy "$i" && continue 2
      kill -0 "${ETCD_PIDS[i]}" 2>/dev/null || { etcd_logs; fail "etcd m$i exited at start"; }
      sleep 0.1
    done
    etcd_logs; fail "etcd m$i not healthy within 20 s"
  done
}

etcd_cluster() {
  local n=$1 i
  [ "${2:-}" = --tls ] && ETCD_TLS=1
  command -v "$ETCD_BIN" >/dev/null || fail "etcd not found ($ETCD_BIN; Debian package etcd-server)"
  [ "$ETCD_TLS" = 0 ] || command -v openssl >/dev/null || fail "openssl not found"
  ETCD_N=$n
  ETCD_TOKEN=daas-e2e-$(basename "$T")-$$
  mkdir -p "$T/etcd"
  trap 'st=$?; set +e; etcd_exit $st; cleanup' EXIT
  if [ "$ETCD_TLS" = 1 ]; then
    etcd_certs "$T/etcd/pki" "$n"
    ETCD_CA=$T/etcd/pki/ca.crt ETCD_CERT=$T/etcd/pki/client.crt ETCD_KEY=$T/etcd/pki/client.key
    ETCD_CURL_TLS=(--cacert "$ETCD_CA" --cert "$ETCD_CERT" --key "$ETCD_KEY")
  fi
  ETCD_ENDPOINTS=
  for i in $(seq "$n"); do
    ETCD_CPORTS[i]=$(free_port)
    ETCD_PPORTS[i]=$(free_port)
    ETCD_ENDPOINTS+="${ETCD_ENDPOINTS:+,}$(etcd_scheme)://127.0.0.1:${ETCD_CPORTS[i]}"
  done
  etcd_start_all
}

etcd_kill() {
  local pid=${ETCD_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ETCD_PIDS[$1]=
}

etcd_stop() {
  local pid=${ETCD_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ETCD_PIDS[$1]=
}

etcd_start() {
  [ -z "${ETCD_PIDS[$1]:-}" ] || fail "etcd m$1 is already running"
  etcd_spawn "$1"
  etcd_wait_healthy "$1"
}

etcd_stop_all() { local i; for i in $(seq "$ETCD_N"); do etcd_stop "$i"; done; }

# Members start together: one alone has no quorum and is not healthy.
etcd_start_all() {
  local i
  for i in $(seq "$ETCD_N"); do
    [ -n "${ETCD_PIDS[i]:-}" ] || etcd_spawn "$i"
  done
  etcd_wait_healthy $(seq "$ETCD_N")
}

# etcd_cleanup: stops every member (for a test composing its own EXIT trap).
etcd_cleanup() { local i; for i in $(seq "$ETCD_N"); do etcd_kill "$i"; done; }

# etcd_exit STATUS: the EXIT trap's part before cleanup; leaves the status in $? for cleanup.
etcd_exit() {
  local st=$1
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    if ! stop_server && [ "$st" -eq 0 ]; then echo "FAIL: the server did not shut down cleanly"; st=1; fi
  fi
  [ "$st" -eq 0 ] || etcd_logs
  etcd_cleanup
  return "$st"
}

egw() {
  local i=$1 p=$2 body=${3:-'{}'}
  [[ $p == /* ]] || p=/v3/$p
  curl -sS --max-time 10 --fail-with-body "${ETCD_CURL_TLS[@]}" -X POST -H 'Content-Type: application/json' \
    -d "$body" "$(etcd_scheme)://127.0.0.1:${ETCD_CPORTS[i]}$p"
}

egw_put() {
  egw "$1" kv/put "{\"key\":\"$(b64 "$2")\",\"value\":\"$(b64 "$3")\"}" >/dev/null
}

egw_get() {
  local ser=false out
  [ "${3:-}" = serializable ] && ser=true
  out=$(egw "$1" kv/range "{\"key\":\"$(b64 "$2")\",\"serializable\":$ser}") || return 1
  python3 -c '
import base64, json, sys
kvs = json.loads(sys.argv[1]).get("kvs", [])
if kvs: sys.stdout.write(base64.b64decode(kvs[0].get("value", "")).decode())' "$out"
}

# etcd_status_of I: "MEMBER_ID LEADER_ID" from member I's maintenance/status.
etcd_status_of() {
  local out
  out=$(egw "$1" maintenance/status 2>/dev/null) || return 1
  python3 -c '
import json, sys
s = json.loads(sys.argv[1])
print(s["header"]["member_id"], s.get("leader", "0"))' "$out"
}

etcd_leader() {
  local i id lead agreed= who=
  for i in $(seq "$ETCD_N"); do
    [ -n "${ETCD_PIDS[i]:-}" ] || continue
    read -r id lead < <(etcd_status_of "$i") || return 1
    [ "$lead" != 0 ] || return 1
    [ -z "$agreed" ] || [ "$agreed" = "$lead" ] || return 1
    agreed=$lead
    [ "$id" != "$lead" ] || who=$i
  done
  [ -n "$who" ] || return 1
  echo "$who"
}

etcd_wait_leader() {
  for _ in $(seq $(($1 * 10))); do etcd_leader && return 0; sleep 0.1; done
  etcd_logs >&2; echo "no etcd leader within $1 s" >&2; return 1
}

ectl() {
  local tls=()
  [ "$ETCD_TLS" = 0 ] || tls=(--cacert "$ETCD_CA" --cert "$ETCD_CERT" --key "$ETCD_KEY")
  env -u ETCD_ENDPOINTS -u ETCD_CA -u ETCD_CERT -u ETCD_KEY ETCDCTL_API=3 \
    etcdctl --endpoints "$ETCD_ENDPOINTS" "${tls[@]}" "$@"
}
