/*
 * server_int.h: what the parts of `daas server` share (server.c, server_chain.c,
 * server_dev.c). Include only from src/cmd/server*.c.
 *
 * Owns:   server_chain: the server's connection to Sui (the devnet under --dev), the daas
 *         package, the stake source behind the Sui authenticator and the thread that follows
 *         staking events to keep its cache fresh; server_sched: the scheduler controller's
 *         chain hook and the --dev debug enclave (server_sched.c); server_store: the
 *         datastore flags and opening the store, SQLite or etcd (server_store.c).
 */
#ifndef DAAS_CMD_SERVER_INT_H
#define DAAS_CMD_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "api/api.h"
#include "api/authn.h"
#include "api/authn_sui.h"
#include "agent/kubeclient.h"
#include "api/schedctl.h"
#include "common/err.h"
#include "devnet/node.h"
#include "enclave/enclave.h"
#include "pki/pki.h"
#include "seal/config.h"
#include "sui/chain.h"
#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/pkg_enclave.h"
#include "sui/pkg_rules.h"
#include "store/snapshot.h"
#include "store/store.h"

typedef struct server_chain_opts {
    const char *data_dir;   /* the server's data directory */
    const char *chain;      /* --chain URL|FILE, or NULL */
    const char *package;    /* --package 0x…, or NULL */
    const char *cluster_id; /* the cluster id tokens must name */
    bool dev;               /* run the devnet in-process (data_dir/devnet) */
    uint64_t epoch_ms;      /* devnet epoch length */
    SSL_CTX *tls;           /* the server's TLS context, for the devnet (NULL: plain) */
    const char *ca_path;    /* the cluster CA */
    daas_bytes dev_root;    /* --dev: the debug enclave CA the devnet accepts (or NULL) */
} server_chain_opts;

typedef struct server_chain {
    daas_devnet_node *node;  /* --dev only */
    daas_devnet *devnet;     /* --dev only; borrowed from node */
    daas_sui_chain chain;
    daas_sui_client *client;
    daas_pkg pkg;
    daas_authn_sui *auth;    /* the authenticator (owned by the authn chain) */
    pthread_mutex_t mu;      /* guards params */
    daas_pkg_params params;
    pthread_t follower;
    bool follower_running;
    pthread_cond_t wake;
    bool sync_ready;         /* mu and wake initialised */
    atomic_bool stop;
    char *cursor;            /* event cursor of the follower */
} server_chain;

/* ---- server_rules.c: the cluster rules admission reads ---- */

typedef struct server_rules {
    server_chain *chain;     /* borrowed */
    pthread_mutex_t mu;      /* guards the rest */
    bool inited, found;      /* mu initialised; ref found */
    daas_pkg_rules_ref ref;  /* the ClusterRules object */
    daas_pkg_rules rules;    /* the last rules read */
    int64_t read_ms;         /* when (0: never) */
} server_rules;

/* Makes api read the rules from chain's ClusterRules (kept RULES_FRESH_MS; the last read
 * serves while the chain does not answer, for a while). Without a chain it does nothing:
 * admission then applies the rules a fresh package publishes. */
void server_rules_start(server_rules *sr, server_chain *chain, daas_api *api);
void server_rules_stop(server_rules *sr);

/* Connects to the chain (starting the devnet under --dev), finds the package, and adds the
 * Sui authenticator to authn. With neither --dev nor --chain it does nothing (ch->client
 * stays NULL). */
DAAS_MUST_USE int server_chain_start(server_chain *ch, const server_chain_opts *o,
                                     daas_authn *authn, daas_err *err);
/* Stops the follower, then the devnet. Safe on a zeroed or partly started chain. */
void server_chain_stop(server_chain *ch);

/* --dev: loads the one key of the keystore at path, creating it (alias) on first use. */
DAAS_MUST_USE int server_dev_key(const char *path, const char *alias, daas_sui_key **out,
                                 daas_err *err);

/* --dev: a TLS context for the devnet from DATA/tls/devnet.{crt,key}, issued by pki when
 * missing (pki may be NULL once they exist). */
DAAS_MUST_USE int server_dev_chain_tls(daas_pki *pki, const char *data_dir, SSL_CTX **ctx,
                                       daas_err *err);

/* --dev: the funded, staked wallet and its kubeconfig (server_dev.c). */
DAAS_MUST_USE int server_dev_wallet(const server_chain *ch, daas_pki *pki, const char *data_dir,
                                    const char *server_url, const char *cluster_id,
                                    daas_err *err);

/* --dev: faucet and stake until k holds role (a DAAS_PKG_ROLE_*) (server_dev.c). */
DAAS_MUST_USE int server_dev_fund(const server_chain *ch, const daas_sui_key *k, int role,
                                  daas_err *err);

/* A helper process of --dev, supervised (server_child.c). Zero-initialise. */
typedef struct server_child {
    char **argv;             /* the daas binary, then the arguments (owned) */
    char *name, *logp;       /* for messages; the log file */
    pthread_mutex_t mu;      /* guards pid, stopping */
    bool mu_init, supervising, stopping;
    pthread_t supervisor;    /* restarts the process when it exits */
    pid_t pid;               /* 0 when none */
} server_child;

/* Starts `daas ARGS...` as a supervised child logging to logp. */
DAAS_MUST_USE int server_child_start(server_child *c, const char *name,
                                     const char *const *args, const char *logp,
                                     daas_err *err);
/* The child's current pid (0 when none). */
pid_t server_child_pid(server_child *c);
/* SIGTERM, waits, frees. Safe on a zeroed child. */
void server_child_stop(server_child *c);

/* --dev: the host's own agent (server_agent.c), a supervised child with a node-staked key;
 * --seal-config DATA/seal/seal.json when sealed. Nothing (one warning) when the host cannot
 * run containers. */
DAAS_MUST_USE int server_dev_agent(server_child *c, const server_chain *ch, const char *data_dir,
                                   const char *server_url, const char *cluster_id, bool sealed,
                                   daas_err *err);

/* What Secrets are sealed for, and the --dev key servers (server_seal.c). */
#define SERVER_SEAL_DEV_N 3 /* --dev key servers */
#define SERVER_SEAL_DEV_T 2 /* their threshold */
typedef struct daas_seal_vault daas_seal_vault;
typedef struct server_seal {
    bool on;                /* cfg is loaded: the API seals for it */
    daas_seal_config cfg;
    server_child ks[SERVER_SEAL_DEV_N];
    daas_seal_vault *vault;    /* the CA and TLS keys at rest (NULL: plain files) */
    daas_pki_vault pki_vault;  /* the pki's view of it */
} server_seal;

/* --seal-config FILE. */
DAAS_MUST_USE int server_seal_load(server_seal *s, const char *path, daas_err *err);
/* --dev: starts the key servers, waits for their registration, creates the workload and
 * control-plane policies once, writes DATA/seal/seal.json. pki may be NULL when the key
 * servers' certificates exist (the CA key is sealed). */
DAAS_MUST_USE int server_seal_dev(server_seal *s, const server_chain *ch, daas_pki *pki,
                                  const char *data_dir, daas_err *err);
/* The vault for the CA and TLS keys: key (allowed by the configuration's
 * control_plane_policy) asks the key servers. Fills s->pki_vault. */
DAAS_MUST_USE int server_seal_vault(server_seal *s, const server_chain *ch,
                                    const daas_sui_key *key, daas_err *err);
/* Stops the --dev key servers. Safe on a zeroed one. */
void server_seal_stop(server_seal *s);

/* The scheduler's link to the chain, and the --dev enclave. */
typedef struct server_sched {
    const server_chain *chain; /* borrowed; NULL: no chain */
    daas_sui_key *key;         /* pays for enclave::register and scheduling::commit_batch */
    daas_pkg_sched where;      /* the Ledger and the cluster's EnclaveConfig */
    daas_enclave_debug_ca *ca; /* --dev: the debug enclave's CA (DATA/enclave-ca) */
    char *ca_path;             /* --dev: DATA/enclave-ca/ca.crt */
    char *addr;                /* --dev: unix:DATA/enclave.sock */
    server_child enclave;      /* --dev: the enclave process */
} server_sched;

/* --dev, before the chain starts: the debug enclave's CA (created once), whose root the
 * devnet accepts (daas_enclave_debug_ca_der(s->ca)) and the controller trusts. */
DAAS_MUST_USE int server_sched_dev_ca(server_sched *s, const char *data_dir, daas_err *err);
/* --dev: starts `daas enclave --listen unix:DATA/enclave.sock --debug-ca DATA/enclave-ca` as
 * a child process (log in DATA/enclave.log; killed with the server). */
DAAS_MUST_USE int server_sched_dev_enclave(server_sched *s, const char *data_dir, daas_err *err);
/*
 * The controller's chain hook (*out) on ch: key_spec names the paying key (keyspec.h; under
 * --dev NULL: the devnet's publisher), config_id the EnclaveConfig (NULL: the only one;
 * under --dev one allowing debug enclaves is created when there is none).
 * Errors: DAAS_EINVAL (no key), pkg_enclave.h's errors.
 */
DAAS_MUST_USE int server_sched_hook(server_sched *s, const server_chain *ch, const char *key_spec,
                                    const char *config_id, daas_schedctl_chain *out,
                                    daas_err *err);
/* Stops the --dev enclave, frees. Safe on a zeroed one. */
void server_sched_stop(server_sched *s);

/* ---- server_ctrl.c: the controller manager ---- */

typedef struct daas_ctrl_mgr daas_ctrl_mgr;

/* What the controllers and the scheduler need from the server. */
/* ---- server_admit.c: admissions forwarded to the leading server ---- */
typedef struct server_admit {
    daas_store *store;        /* borrowed: the Lease is read from it */
    char *ca_file;            /* the cluster CA (verifies the leader) */
    char *cert_pem, *key_pem; /* the client identity, in memory only */
    pthread_mutex_t mu;       /* guards kc, kc_url */
    bool mu_init;
    daas_agent_kc *kc;        /* the connection to the leader at kc_url, or NULL */
    char *kc_url;
} server_admit;
/* Mints the identity. Errors: daas_pki_client_pem's. */
DAAS_MUST_USE int server_admit_init(server_admit *a, daas_pki *pki, daas_store *store,
                                    daas_err *err);
/* Wipes and frees. Safe on a zeroed one. */
void server_admit_fini(server_admit *a);
/* daas_api_admit_fn (arg: a server_admit): POST /daas/v1/admit on the Lease holder's URL.
 * DAAS_EUNAVAIL when no server leads or it cannot be reached; the leader's Status code
 * otherwise. */
int server_admit_forward(void *arg, daas_bytes request_bcs, daas_bytes rules_bcs,
                         daas_buf *decision, daas_buf *proof, daas_err *err);

/* The --rebalance-* flags. */
typedef struct server_rebalance_opts {
    bool set;                     /* parsed at least one (else the defaults) */
    int64_t interval_s;           /* --rebalance-interval; 0: no periodic round */
    daas_api_rebalance_opts lim;  /* --rebalance-threshold, -max-evictions, -fairness */
} server_rebalance_opts;
#define SERVER_REBALANCE_INTERVAL_S 300

/* getopt_long codes of the --rebalance-* flags (after the --datastore-* ones). */
enum {
    SERVER_OPT_REB_INTERVAL = 0x140,
    SERVER_OPT_REB_THRESHOLD,
    SERVER_OPT_REB_MAX,
    SERVER_OPT_REB_FAIRNESS,
};
/* Records getopt code c's value in o: true when c is a --rebalance-* code, with *rc 0, or 2
 * after one line on stderr for a bad value; false (o unchanged, *rc 0) otherwise. */
bool server_rebalance_flag(server_rebalance_opts *o, int c, const char *arg, int *rc);

typedef struct server_ctrl_opts {
    daas_api *api;        /* borrowed */
    const server_rebalance_opts *reb; /* borrowed; NULL: defaults (the API has the limits
                                         already: this runs the periodic round) */
    const char *url;      /* https://ADDRESS:PORT other servers reach this one at (the Lease's
                             holder URL while it leads) */
    daas_store *store;    /* borrowed */
    daas_schedctl *sched; /* borrowed or NULL: activated only while this server leads */
    int64_t node_grace_s; /* --node-monitor-grace-period; 0: default */
    int64_t toleration_s; /* eviction default for pods without tolerations; < 0: default */
    const char *apiserver_ip; /* for default/kubernetes Endpoints */
    int apiserver_port;
} server_ctrl_opts;

/* Registers every controller and starts leader election (Lease kube-system/
 * daas-controllers): the controllers and the scheduler run while this server leads. */
DAAS_MUST_USE int server_ctrl_start(const server_ctrl_opts *o, daas_ctrl_mgr **out,
                                    daas_err *err);
/* Stops the controllers (the Lease is released), frees, nulls *m. Accepts NULL. */
void server_ctrl_stop(daas_ctrl_mgr **m);
/* Parses a duration in seconds: "40", "40s", "2m", "1h"; false when bad or negative. */
bool server_parse_seconds(const char *s, int64_t *out);

/* ---- server_store.c: the datastore ---- */

/* The --datastore-* flags (k3s's names). All borrowed (argv or the environment). */
typedef struct server_store_opts {
    const char *endpoint; /* --datastore-endpoint URL[,URL...]: etcd; NULL or "": SQLite */
    const char *cafile;   /* --datastore-cafile: PEM CA of the etcd members, or NULL */
    const char *certfile; /* --datastore-certfile: PEM client certificate, or NULL */
    const char *keyfile;  /* --datastore-keyfile: PEM client key, or NULL */
    const char *token;    /* --token: the secret servers sharing the datastore join with */
} server_store_opts;

/* getopt_long codes of the --datastore-* flags (above every short option's). */
enum {
    SERVER_OPT_DATASTORE_ENDPOINT = 0x100,
    SERVER_OPT_DATASTORE_CAFILE,
    SERVER_OPT_DATASTORE_CERTFILE,
    SERVER_OPT_DATASTORE_KEYFILE,
    SERVER_OPT_TOKEN,
};
/* Rows of a struct option array, spliced into server.c's. */
/* clang-format off */
#define SERVER_STORE_LONGOPTS                                                                      \
    {"datastore-endpoint", required_argument, 0, SERVER_OPT_DATASTORE_ENDPOINT},                   \
    {"datastore-cafile", required_argument, 0, SERVER_OPT_DATASTORE_CAFILE},                       \
    {"datastore-certfile", required_argument, 0, SERVER_OPT_DATASTORE_CERTFILE},                   \
    {"datastore-keyfile", required_argument, 0, SERVER_OPT_DATASTORE_KEYFILE},                     \
    {"token", required_argument, 0, SERVER_OPT_TOKEN}
/* clang-format on */

/* Records getopt code c's value in o; false (o unchanged) when c is not a --datastore-* code. */
bool server_store_flag(server_store_opts *o, int c, const char *arg);
/* After parsing: unset flags take DAAS_DATASTORE_ENDPOINT, _CAFILE, _CERTFILE, _KEYFILE from
 * the environment; then checks them: endpoints http(s)://HOST:PORT only, the TLS files only
 * with an endpoint, certfile and keyfile together, each file readable. DAAS_EINVAL with one
 * line naming the flag and value. Opens nothing else. */
DAAS_MUST_USE int server_store_check(server_store_opts *o, daas_err *err);
/* Opens the store named by o (checked): without an endpoint SQLite at DATA/db/state.db, with
 * its snapshot socket DATA/db/snapshot.sock in *snap (a stale DATA/db/datastore.json is
 * removed); with one the etcd store, DATA/db/datastore.json (0600) written for `daas
 * etcd-snapshot save`, and *snap left NULL. Logs "datastore: etcd at …" / "datastore: sqlite
 * at …". On failure the caller still closes *st and stops *snap. */
DAAS_MUST_USE int server_store_open(const server_store_opts *o, const char *data_dir,
                                    daas_store **st, daas_store_snapshot_server **snap,
                                    daas_err *err);

/* ---- server_boot.c: one cluster identity for the servers of a datastore ---- */

/* The cluster token of a server on etcd: --token (or $DAAS_TOKEN), else DATA/token, else a
 * new random one written there (0600) and logged as a path. *out gets a copy. */
DAAS_MUST_USE int server_boot_token(const server_store_opts *o, const char *data_dir, char **out,
                                    daas_err *err);
/* Before the PKI: when the datastore holds the bootstrap record of token, writes its cluster
 * id (into cluster_id too) and CA into DATA (refusing a data dir of another cluster) and sets
 * *found. --cluster-id (cluster_id non-empty) must match the record's. */
DAAS_MUST_USE int server_boot_pull(daas_store *st, const char *token, const char *data_dir,
                                   char *cluster_id, size_t idlen, bool *found, daas_err *err);
/* After the first server of a datastore made its CA: stores the bootstrap record. */
DAAS_MUST_USE int server_boot_push(daas_store *st, const char *token, const char *data_dir,
                                   const char *cluster_id, daas_err *err);

#endif
