# datastore.sh: which datastore the e2e tests' daas server runs on (sourced by common.sh).
# DAAS_E2E_DATASTORE unset or "sqlite": nothing changes (the server keeps DATA/db/state.db).
# DAAS_E2E_DATASTORE=etcd (ctest's e2e-etcd/* copies): the first start_server of a test starts
#   a real 3-member etcd cluster (lib/etcd.sh: `etcd_cluster 3`, with --tls and the client
#   certificate when DAAS_E2E_ETCD_TLS=1) and every start_server passes --datastore-endpoint
#   "$ETCD_ENDPOINTS" (and --datastore-cafile/-certfile/-keyfile under TLS). The cluster lives
#   until the test ends, across stop_server/start_server. A test that started its own cluster
#   (sourced etcd.sh, called etcd_cluster) gets that one.
# Teardown: etcd_cluster installs an EXIT trap of its own; datastore_prepare puts the test's
#   trap back, because common.sh's cleanup, which every test's trap ends with, calls
#   datastore_cleanup after it stopped the server: the server goes first, then the members.
# datastore_prepare: before each start; fills DATASTORE_ARGS (the server flags; empty on SQLite).
# datastore_is_etcd: true when the tests run on etcd.
# datastore_cleanup STATUS: stops the members this file started (no-op on SQLite), showing
#   their logs' ends when STATUS is not 0.
#
# Speed: 3 members start in about 1.2 s here (2 s with --tls), and the 28 tests take as long on
# etcd as on SQLite (4m22s against 4m25s at -j2 on 2 cores): the members fsync as in
# production. Debian's etcd 3.4.23 does accept --unsafe-no-fsync (not listed by --help); it is
# not used, as it would buy nothing here.
DATASTORE_ARGS=()
DATASTORE_OWN_CLUSTER=0 # 1: this file started the cluster

datastore_is_etcd() { [ "${DAAS_E2E_DATASTORE:-sqlite}" = etcd ]; }

case "${DAAS_E2E_DATASTORE:-sqlite}" in
sqlite | etcd) ;;
*) echo "FAIL: DAAS_E2E_DATASTORE=$DAAS_E2E_DATASTORE (sqlite or etcd)"; exit 1 ;;
esac

# datastore_start_etcd: the cluster, keeping the EXIT trap the test has now (see Teardown).
datastore_start_etcd() {
  local saved
  declare -F etcd_cluster >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/etcd.sh"
  saved=$(trap -p EXIT)
  if [ "${DAAS_E2E_ETCD_TLS:-0}" = 1 ]; then etcd_cluster 3 --tls; else etcd_cluster 3; fi
  eval "${saved:-trap - EXIT}"
  DATASTORE_OWN_CLUSTER=1
}

datastore_prepare() {
  DATASTORE_ARGS=()
  datastore_is_etcd || return 0
  [ "${ETCD_N:-0}" -gt 0 ] || datastore_start_etcd
  DATASTORE_ARGS=(--datastore-endpoint "$ETCD_ENDPOINTS")
  [ -z "$ETCD_CA" ] || DATASTORE_ARGS+=(--datastore-cafile "$ETCD_CA")
  [ -z "$ETCD_CERT" ] || DATASTORE_ARGS+=(--datastore-certfile "$ETCD_CERT" --datastore-keyfile "$ETCD_KEY")
}

datastore_cleanup() {
  [ "$DATASTORE_OWN_CLUSTER" = 1 ] || return 0
  [ "${1:-0}" = 0 ] || etcd_logs
  etcd_cleanup
}
