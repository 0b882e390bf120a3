/*
 * server.c: `daas server`: flags, then the wiring of store, PKI, authenticators, API and
 * HTTPS listener; runs until SIGINT/SIGTERM.
 *
 * Owns:   the server's configuration (frozen before any thread starts) and shutdown order
 *         (listener, API controllers, store).
 * Invariants: every startup failure prints one line naming what failed and exits 1.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "agent/serve.h"
#include "api/api.h"
#include "api/authn.h"
#include "api/http.h"
#include "api/schedctl.h"
#include "cmd/cmd.h"
#include "cmd/server_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/kind.h"
#include "sui/keyspec.h"
#include "sui/token.h"
#include "pki/pki.h"
#include "store/snapshot.h"
#include "store/store.h"

#define MAX_SANS 16

typedef struct server_opts {
    char data_dir[1024];
    const char *bind;
    int port;
    const char *sans[MAX_SANS];
    size_t nsans;
    const char *token_file;
    const char *service_cidr;
    int workers;
    bool dev;
    bool disable_agent;       /* --disable-agent: --dev without the host's agent */
    const char *chain;        /* --chain URL|FILE */
    const char *package;      /* --package 0x… */
    char cluster_id[DAAS_SUI_CLUSTER_ID_MAX + 1]; /* --cluster-id, else <data-dir>/cluster-id */
    uint64_t devnet_epoch_ms; /* --devnet-epoch-ms (dev) */
    const char *enclave;      /* --enclave ADDR: the scheduler controller's enclave */
    const char *enclave_debug_root; /* --enclave-debug-root PEM: debug documents allowed */
    daas_schedctl_pcr enclave_pcrs[DAAS_SCHEDCTL_MAX_PCRS]; /* --enclave-pcr N=HEX */
    size_t enclave_npcrs;
    const char *sui_key;        /* --sui-key: pays for enclave::register, commit_batch */
    const char *enclave_config; /* --enclave-config 0x…: the cluster's EnclaveConfig */
    bool plain_http; /* tests that say so only */
    bool anonymous;  /* tests that say so only */
    bool unsealed_secrets; /* --insecure-unsealed-secrets: tests that say so only */
    const char *seal_config; /* --seal-config FILE */
    bool no_controllers;     /* --disable-controller-manager */
    const char *advertise;   /* --advertise-address: the API server's address for pods */
    int64_t node_grace_s;    /* --node-monitor-grace-period */
    bool tolerations_set;    /* either --default-*-toleration-seconds given */
    int64_t tolerations[2];  /* not-ready, unreachable */
    server_store_opts store; /* --datastore-*: SQLite (default) or etcd */
    server_rebalance_opts reb; /* --rebalance-* */
} server_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daas server [options]\n\n"
            "Runs the Kubernetes API server (HTTPS) on an embedded SQLite store (DATA_DIR/db),\n"
            "or on an etcd v3 cluster (--datastore-endpoint).\n\n"
            "  --data-dir DIR           state, certificates and kubeconfig (default /var/lib/daas,\n"
            "                           or $HOME/.daas when not root)\n"
            "  --https-listen-port N    HTTPS port (default 6443)\n"
            "  --bind-address ADDR      address to listen on (default 0.0.0.0)\n"
            "  --tls-san NAME|IP        extra subject alternative name (repeatable)\n"
            "  --token-auth-file FILE   bearer tokens: CSV token,user,uid[,\"group1,group2\"]\n"
            "  --service-cidr CIDR      ClusterIP range (default 10.43.0.0/16)\n"
            "  --workers N              HTTP worker threads (default 8)\n"
            "  --datastore-endpoint URL[,URL...]\n"
            "                           keep the cluster's state in etcd at these client URLs\n"
            "                           (http:// or https://; default: SQLite in DATA_DIR/db)\n"
            "  --datastore-cafile FILE  PEM CA of the etcd members (https endpoints)\n"
            "  --datastore-certfile FILE, --datastore-keyfile FILE\n"
            "                           PEM client certificate and key presented to etcd\n"
            "                           (each --datastore-* flag defaults to $DAAS_DATASTORE_*)\n"
            "  --token TOKEN            with --datastore-endpoint: the secret every server of\n"
            "                           the cluster shares (default $DAAS_TOKEN, else\n"
            "                           DATA_DIR/token, made on the first start)\n"
            "  --dev                    development mode: a one-node cluster on this host, with\n"
            "                           the development Sui chain, a staked dev wallet and an\n"
            "                           agent running this host's pods (needs root and runc)\n"
            "  --disable-agent          --dev: do not run the host's agent\n"
            "  --chain URL|FILE         Sui GraphQL endpoint or chain file: wallet tokens are\n"
            "                           accepted and roles follow stake in the daas package\n"
            "  --package 0x...          the daas Move package on that chain\n"
            "  --cluster-id ID          the id wallet tokens must name (default: generated once,\n"
            "                           kept in DATA_DIR/cluster-id)\n"
            "  --devnet-epoch-ms N      --dev: epoch length of the development chain (60000)\n"
"  --enclave ADDR           schedule pods with the attested scheduler enclave at ADDR\n"
            "                           (vsock:CID:PORT, unix:PATH, tcp:HOST:PORT); without it\n"
            "                           pods stay Pending\n"
            "  --enclave-debug-root PEM accept debug attestation documents chaining to this dev\n"
            "                           root (development only; default: AWS Nitro documents only)\n"
            "  --enclave-pcr N=HEX      require this PCR value in the attestation (repeatable)\n"
            "  --sui-key KEY            with --chain: the key (file, alias or suiprivkey) that\n"
            "                           registers the enclave and commits decision batches\n"
            "  --enclave-config 0x...   the cluster's EnclaveConfig (default: the only one)\n"
            "  --log-level LEVEL        debug, info, warn, error (default info)\n"
            "  --insecure-plain-http    serve plain HTTP without authentication (tests only)\n"
            "  --seal-config FILE       the cluster's Seal configuration: Secrets and sensitive\n"
            "                           ConfigMaps are sealed for its key servers and policy\n"
            "                           (--dev: 3 local key servers, DATA_DIR/seal/seal.json)\n"
            "  --node-monitor-grace-period DURATION\n"
            "                           a node whose Lease is older goes NotReady (default 40s)\n"
            "  --default-not-ready-toleration-seconds N\n"
            "  --default-unreachable-toleration-seconds N\n"
            "                           how long pods stay on a NotReady or unreachable node\n"
            "                           before they are evicted (default 300)\n"
            "  --advertise-address IP   the address pods reach the API server at (the\n"
            "                           kubernetes Service's endpoint; default: --bind-address,\n"
            "                           or the host's first IPv4 when that is 0.0.0.0)\n"
            "  --rebalance-interval DURATION\n"
            "                           with a scheduler enclave: a rebalancing round this often\n"
            "                           (default 5m; 0 turns periodic rounds off)\n"
            "  --rebalance-threshold PCT a node over PCT%% of its cpu or memory is overloaded (80)\n"
            "  --rebalance-max-evictions N  evictions per round at most (10)\n"
            "  --rebalance-fairness PCT an owner may run PCT points more than its stake share of\n"
            "                           pods before its pods are moved (20; 0: off)\n"
            "  --disable-controller-manager\n"
            "                           run no controllers (Deployments, Jobs, node lifecycle...)\n"
            "  --insecure-unsealed-secrets\n"
            "                           store Secrets in plaintext when no Seal key servers are\n"
            "                           configured (tests only; default: refuse them)\n");
}

static int parse_args(int argc, char **argv, server_opts *o)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, 0, 'd'},
        {"https-listen-port", required_argument, 0, 'p'},
        {"bind-address", required_argument, 0, 'b'},
        {"tls-san", required_argument, 0, 's'},
        {"token-auth-file", required_argument, 0, 't'},
        {"service-cidr", required_argument, 0, 'c'},
        {"workers", required_argument, 0, 'w'},
        {"dev", no_argument, 0, 'D'},
        {"disable-agent", no_argument, 0, 'A'},
        {"chain", required_argument, 0, 'C'},
        {"package", required_argument, 0, 'K'},
        {"cluster-id", required_argument, 0, 'I'},
        {"devnet-epoch-ms", required_argument, 0, 'E'},
        {"log-level", required_argument, 0, 'l'},
        {"enclave", required_argument, 0, 'X'},
        {"enclave-debug-root", required_argument, 0, 'R'},
        {"enclave-pcr", required_argument, 0, 'Q'},
        {"sui-key", required_argument, 0, 'S'},
        {"enclave-config", required_argument, 0, 'G'},
        {"insecure-plain-http", no_argument, 0, 'P'},
        {"insecure-unsealed-secrets", no_argument, 0, 'U'},
        {"seal-config", required_argument, 0, 'L'},
        {"disable-controller-manager", no_argument, 0, 'M'},
        {"advertise-address", required_argument, 0, 'a'},
        {"node-monitor-grace-period", required_argument, 0, 'g'},
        {"default-not-ready-toleration-seconds", required_argument, 0, 'n'},
        {"default-unreachable-toleration-seconds", required_argument, 0, 'u'},
        {"rebalance-interval", required_argument, 0, SERVER_OPT_REB_INTERVAL},
        {"rebalance-threshold", required_argument, 0, SERVER_OPT_REB_THRESHOLD},
        {"rebalance-max-evictions", required_argument, 0, SERVER_OPT_REB_MAX},
        {"rebalance-fairness", required_argument, 0, SERVER_OPT_REB_FAIRNESS},
        {"help", no_argument, 0, 'h'},
        SERVER_STORE_LONGOPTS,
        {0, 0, 0, 0}};
    int c, rc2 = 0;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            snprintf(o->data_dir, sizeof o->data_dir, "%s", optarg);
            break;
        case 'p':
        case 'w': {
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < (c == 'p' ? 0 : 1) || v > (c == 'p' ? 65535 : 256)) {
                fprintf(stderr, "daas server: bad value \"%s\" for --%s\n", optarg,
                        c == 'p' ? "https-listen-port" : "workers");
                return 2;
            }
            *(c == 'p' ? &o->port : &o->workers) = (int)v;
            break;
        }
        case 'b':
            o->bind = optarg;
            break;
        case 's':
            if (o->nsans == MAX_SANS) {
                fprintf(stderr, "daas server: at most %d --tls-san values\n", MAX_SANS);
                return 2;
            }
            o->sans[o->nsans++] = optarg;
            break;
        case 't':
            o->token_file = optarg;
            break;
        case 'c':
            o->service_cidr = optarg;
            break;
        case 'D':
            o->dev = true;
            break;
        case 'A':
            o->disable_agent = true;
            break;
        case 'C':
            o->chain = optarg;
            break;
        case 'K':
            o->package = optarg;
            break;
        case 'I':
            if (!daas_sui_token_cluster_id_ok(optarg)) {
                fprintf(stderr, "daas server: bad --cluster-id \"%s\" ([A-Za-z0-9._-]{1,64})\n",
                        optarg);
                return 2;
            }
            snprintf(o->cluster_id, sizeof o->cluster_id, "%s", optarg);
            break;
        case 'E': {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || v < 100) {
                fprintf(stderr, "daas server: bad --devnet-epoch-ms \"%s\" (>= 100)\n", optarg);
                return 2;
            }
            o->devnet_epoch_ms = v;
            break;
        }
        case 'l':
            if (daas_cmd_log_level(optarg) < 0) {
                fprintf(stderr, "daas server: bad --log-level \"%s\"\n", optarg);
                return 2;
            }
            daas_log_set_level(daas_cmd_log_level(optarg));
            break;
        case 'X':
            o->enclave = optarg;
            break;
        case 'R':
            o->enclave_debug_root = optarg;
            break;
        case 'Q': {
            daas_err e = {0};
            if (o->enclave_npcrs == DAAS_SCHEDCTL_MAX_PCRS ||
                daas_schedctl_parse_pcr(optarg, &o->enclave_pcrs[o->enclave_npcrs], &e) !=
                    DAAS_OK) {
                fprintf(stderr, "daas server: %s\n",
                        e.msg[0] ? e.msg : "too many --enclave-pcr values");
                return 2;
            }
            o->enclave_npcrs++;
            break;
        }
        case 'S':
            o->sui_key = optarg;
            break;
        case 'G':
            o->enclave_config = optarg;
            break;
        case 'P':
            o->plain_http = o->anonymous = true;
            break;
        case 'U':
            o->unsealed_secrets = true;
            break;
        case 'L':
            o->seal_config = optarg;
            break;
        case 'M':
            o->no_controllers = true;
            break;
        case 'a':
            o->advertise = optarg;
            break;
        case 'g':
        case 'n':
        case 'u': {
            int64_t v = 0;
            if (!server_parse_seconds(optarg, &v) || (c == 'g' && v == 0)) {
                fprintf(stderr, "daas server: bad duration \"%s\" for --%s\n", optarg,
                        c == 'g'   ? "node-monitor-grace-period"
                        : c == 'n' ? "default-not-ready-toleration-seconds"
                                   : "default-unreachable-toleration-seconds");
                return 2;
            }
            if (c == 'g') {
                o->node_grace_s = v;
                break;
            }
            if (!o->tolerations_set)
                o->tolerations[0] = o->tolerations[1] = DAAS_KUBE_DEFAULT_TOLERATION;
            o->tolerations_set = true;
            o->tolerations[c == 'n' ? 0 : 1] = v;
            break;
        }
        case 'h':
            usage(stdout);
            return 1;
        default:
            if (server_store_flag(&o->store, c, optarg))
                break;
            if (server_rebalance_flag(&o->reb, c, optarg, &rc2) && rc2 == 0)
                break;
            if (rc2 != 0)
                return rc2;
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "daas server: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if ((o->enclave_debug_root || o->enclave_npcrs) && !o->enclave) {
        fprintf(stderr, "daas server: --enclave-debug-root and --enclave-pcr need --enclave\n");
        return 2;
    }
    if ((o->sui_key || o->enclave_config) && !o->enclave && !o->dev) {
        fprintf(stderr, "daas server: --sui-key and --enclave-config need --enclave\n");
        return 2;
    }
    if (o->disable_agent && !o->dev) {
        fprintf(stderr, "daas server: --disable-agent goes with --dev\n");
        return 2;
    }
    if (o->dev && o->chain) {
        fprintf(stderr, "daas server: --dev runs its own chain; drop --chain\n");
        return 2;
    }
    daas_err e = {0};
    if (server_store_check(&o->store, &e) != DAAS_OK) {
        fprintf(stderr, "daas server: %s\n", e.msg);
        return 2;
    }
    return 0;
}

static void default_data_dir(server_opts *o)
{
    if (o->data_dir[0])
        return;
    const char *home = getenv("HOME");
    if (geteuid() == 0 || home == NULL)
        snprintf(o->data_dir, sizeof o->data_dir, "/var/lib/daas");
    else
        snprintf(o->data_dir, sizeof o->data_dir, "%s/.daas", home);
}

typedef struct server {
    daas_pki *pki;
    SSL_CTX *tls;
    SSL_CTX *agent_tls;      /* the API server's client identity towards agents (in memory) */
    daas_store *store;
    daas_authn *authn;
    daas_api *api;
    daas_schedctl *sched; /* the scheduler controller (--enclave, --dev) */
    server_sched sched_link; /* its chain hook; the --dev enclave */
    char *declog_path;       /* its decision log (served by the API) */
    daas_http_server *http;
    server_chain chain;
    server_rules rules;      /* the cluster rules admission reads */
    server_seal seal;        /* what Secrets are sealed for; the --dev key servers */
    SSL_CTX *chain_tls;      /* --dev: the devnet's TLS context */
    server_child agent;      /* --dev: the host's agent */
    daas_ctrl_mgr *ctrl;     /* the controllers and the leader election */
    daas_store_snapshot_server *snap; /* SQLite: DIR/db/snapshot.sock (etcd-snapshot save) */
    server_admit fwd;        /* admissions sent to the leading server while another leads */
    daas_sui_key *vault_key; /* asks the key servers for the CA and TLS keys */
} server;

static void server_stop(server *s)
{
    /* Order matters: no new requests; the controllers stop; the store drains the writes in
     * flight (their completions are posted to the stopped loops); freeing the HTTP server
     * runs those posts; only then does the API go. */
    server_child_stop(&s->agent); /* first: it would only retry against a stopping server */
    if (s->http)
        daas_http_server_stop(s->http);
    server_ctrl_stop(&s->ctrl); /* before the scheduler it activates and the API it calls */
    daas_schedctl_stop(&s->sched);
    server_sched_stop(&s->sched_link);
    server_seal_stop(&s->seal);
    daas_sui_key_free(&s->vault_key);
    daas_api_stop(s->api);
    server_rules_stop(&s->rules);
    server_chain_stop(&s->chain);
    daas_store_snapshot_serve_stop(&s->snap);
    daas_store_close(&s->store);
    daas_http_server_free(&s->http);
    daas_api_free(&s->api);
    server_admit_fini(&s->fwd);
    daas_free(s->declog_path);
    daas_authn_free(&s->authn);
    if (s->tls)
        SSL_CTX_free(s->tls);
    if (s->agent_tls)
        SSL_CTX_free(s->agent_tls); /* after the API: proxied logs/exec are closed */
    if (s->chain_tls)
        SSL_CTX_free(s->chain_tls); /* after the devnet stopped */
    daas_pki_free(&s->pki);
}

/* The cluster id wallet tokens must name: --cluster-id, else <data-dir>/cluster-id (made
 * once from 8 random bytes). */
static int cluster_id(server_opts *o, daas_err *err)
{
    if (o->cluster_id[0])
        return DAAS_OK;
    char path[1200];
    snprintf(path, sizeof path, "%s/cluster-id", o->data_dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        bool ok = fgets(o->cluster_id, sizeof o->cluster_id, f) != NULL;
        fclose(f);
        o->cluster_id[strcspn(o->cluster_id, "\n")] = '\0';
        if (ok && daas_sui_token_cluster_id_ok(o->cluster_id))
            return DAAS_OK;
        return daas_fail(err, DAAS_EINVAL, "%s does not hold a cluster id", path);
    }
    uint8_t r[8];
    daas_random(r, sizeof r);
    snprintf(o->cluster_id, sizeof o->cluster_id, "daas-%02x%02x%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s\n", o->cluster_id) < 0 || fclose(f) != 0)
        return daas_fail(err, DAAS_EIO, "cannot write %s", path);
    return DAAS_OK;
}

/* The key that asks the key servers for the control plane's keys: the devnet's publisher
 * under --dev, else --sui-key (NULL when there is none). */
static int vault_key(const server_opts *o, server *s, daas_err *err)
{
    if (o->dev)
        return daas_sui_key_dup(daas_devnet_publisher(s->chain.devnet), &s->vault_key, err);
    if (!o->sui_key)
        return DAAS_OK;
    return daas_sui_keyspec_resolve(o->sui_key, NULL, &s->vault_key, err);
}

/* The CA and server keys: sealed through the key servers when the Seal configuration names
 * a control-plane policy and there is a key to ask with; plain files otherwise. With a pki
 * made before the key servers existed (a first start), its keys are sealed now. */
static int pki_keys(server_opts *o, server *s, daas_pki_opts *po, bool sealed_ca, daas_err *err)
{
    int rc = DAAS_OK;
    bool vault = s->seal.on && s->seal.cfg.has_cp_policy;
    if (vault)
        rc = vault_key(o, s, err);
    vault = vault && s->vault_key;
    if (rc == DAAS_OK && vault)
        rc = server_seal_vault(&s->seal, &s->chain, s->vault_key, err);
    if (rc != DAAS_OK || (!vault && sealed_ca))
        return rc != DAAS_OK ? rc
                             : daas_fail(err, DAAS_EINVAL,
                                         "the cluster CA key is sealed (tls/ca.key.sealed): "
                                         "start with a --seal-config naming its "
                                         "control_plane_policy and --sui-key");
    if (vault && s->pki)
        return daas_pki_seal_keys(s->pki, &s->seal.pki_vault, err);
    if (vault)
        po->vault = &s->seal.pki_vault;
    if (!s->pki)
        rc = daas_pki_ensure(po, &s->pki, err);
    if (rc == DAAS_OK && !vault)
        DAAS_WARN("server", "the cluster CA key and TLS key rest in plaintext files (no Seal "
                            "control-plane policy to seal them under)");
    return rc;
}

/* PKI, the chain and the authenticators: client certificates, Sui wallets, the token file.
 * The chain and the key servers come first, because the CA key may be sealed. */
static int start_auth(server_opts *o, server *s, const char *url, daas_err *err)
{
    daas_pki_opts po = {.data_dir = o->data_dir, .extra_sans = o->sans,
                        .nextra_sans = o->nsans, .server_url = url};
    char *ca_path = daas_xasprintf("%s/tls/ca.crt", o->data_dir);
    char *sealed = daas_xasprintf("%s/tls/ca.key.sealed", o->data_dir);
    bool sealed_ca = access(sealed, F_OK) == 0;
    daas_free(sealed);
    int rc = cluster_id(o, err);
    if (rc == DAAS_OK && !sealed_ca)
        rc = daas_pki_ensure(&po, &s->pki, err); /* plain, or a first start */
    s->authn = daas_authn_new();
    daas_authn_add_x509(s->authn);
    if (rc == DAAS_OK && o->dev && !o->enclave)
        rc = server_sched_dev_ca(&s->sched_link, o->data_dir, err);
    if (rc == DAAS_OK && o->dev)
        rc = server_dev_chain_tls(s->pki, o->data_dir, &s->chain_tls, err);
    server_chain_opts co = {.data_dir = o->data_dir, .chain = o->chain, .package = o->package,
                            .cluster_id = o->cluster_id, .dev = o->dev,
                            .epoch_ms = o->devnet_epoch_ms ? o->devnet_epoch_ms : 60000,
                            .tls = s->chain_tls, .ca_path = ca_path};
    if (s->sched_link.ca)
        co.dev_root = daas_enclave_debug_ca_der(s->sched_link.ca);
    if (rc == DAAS_OK)
        rc = server_chain_start(&s->chain, &co, s->authn, err);
    if (rc == DAAS_OK && o->seal_config)
        rc = server_seal_load(&s->seal, o->seal_config, err);
    else if (rc == DAAS_OK && o->dev)
        rc = server_seal_dev(&s->seal, &s->chain, s->pki, o->data_dir, err);
    if (rc == DAAS_OK)
        rc = pki_keys(o, s, &po, sealed_ca, err);
    if (rc == DAAS_OK)
        rc = daas_pki_server_ctx(s->pki, &s->tls, err);
    if (rc == DAAS_OK)
        rc = daas_pki_client_ctx(s->pki, DAAS_AGENT_SERVER_CN, &s->agent_tls, err);
    if (rc == DAAS_OK && o->token_file)
        rc = daas_authn_add_token_file(s->authn, o->token_file, err);
    if (rc == DAAS_OK && o->dev)
        rc = server_dev_wallet(&s->chain, s->pki, o->data_dir, url, o->cluster_id, err);
    daas_free(ca_path);
    return rc;
}

/* The scheduler controller, when there is an enclave: --enclave ADDR, or under --dev a
 * debug enclave of its own. With a chain, enclaves are registered and batches committed. */
static int start_sched(const server_opts *o, server *s, daas_err *err)
{
    server_sched *l = &s->sched_link;
    int rc = DAAS_OK;
    if (!o->enclave && !l->ca)
        return DAAS_OK;
    char *dir = daas_xasprintf("%s/sched", o->data_dir);
    char *logpath = daas_xasprintf("%s/sched/decisions.log", o->data_dir);
    daas_schedctl_config sc = {.store = s->store, .enclave = o->enclave, .declog_path = logpath,
                               .debug_root_path = o->enclave_debug_root,
                               .npcrs = o->enclave_npcrs,
                               .start_inactive = !o->no_controllers};
    memcpy(sc.pcrs, o->enclave_pcrs, sizeof sc.pcrs);
    rc = daas_mkdir_p(dir, err);
    if (rc == DAAS_OK && l->ca) {
        rc = server_sched_dev_enclave(l, o->data_dir, err);
        sc.enclave = l->addr;
        sc.debug_root_path = l->ca_path;
    }
    if (rc == DAAS_OK && s->chain.client)
        rc = server_sched_hook(l, &s->chain, o->sui_key, o->enclave_config, &sc.chain, err);
    else if (rc == DAAS_OK)
        DAAS_WARN("server", "no chain: scheduler enclaves are not registered and decision "
                            "batches are logged, not committed");
    if (rc == DAAS_OK)
        rc = daas_schedctl_start(&sc, &s->sched, err);
    if (rc == DAAS_OK)
        daas_api_set_scheduler(s->api, s->sched, s->declog_path = logpath);
    else
        daas_free(logpath);
    daas_free(dir);
    return rc;
}

/* The PKI and authenticators; on a shared datastore first the cluster's bootstrap record
 * (its id and CA), or, for its first server, storing it once the CA exists. */
static int start_identity(server_opts *o, server *s, const char *url, daas_err *err)
{
    if (!o->store.endpoint || !o->store.endpoint[0])
        return start_auth(o, s, url, err);
    char *token = NULL;
    bool found = false;
    int rc = server_boot_token(&o->store, o->data_dir, &token, err);
    if (rc == DAAS_OK)
        rc = server_boot_pull(s->store, token, o->data_dir, o->cluster_id, sizeof o->cluster_id,
                              &found, err);
    if (rc == DAAS_OK)
        rc = start_auth(o, s, url, err);
    if (rc == DAAS_OK && !found)
        rc = server_boot_push(s->store, token, o->data_dir, o->cluster_id, err);
    if (token) {
        OPENSSL_cleanse(token, strlen(token));
        daas_free(token);
    }
    return rc;
}

static int server_start(server_opts *o, server *s, daas_err *err)
{
    char url[300], addr[300];
    int rc;
    snprintf(url, sizeof url, "https://127.0.0.1:%d", o->port);
    snprintf(addr, sizeof addr, "%s:%d", o->bind && strcmp(o->bind, "0.0.0.0") != 0 ? o->bind : "127.0.0.1", o->port);
    if (mkdir(o->data_dir, 0700) != 0 && access(o->data_dir, W_OK) != 0)
        return daas_fail(err, DAAS_EIO, "cannot create data dir %s", o->data_dir);
    rc = server_store_open(&o->store, o->data_dir, &s->store, &s->snap, err);
    if (rc == DAAS_OK && !o->plain_http)
        rc = start_identity(o, s, url, err);
    if (rc != DAAS_OK)
        return rc;
    daas_api_config ac = {.store = s->store, .authn = s->authn,
                          .allow_anonymous = o->anonymous, .server_address = addr,
                          .service_cidr = o->service_cidr,
                          .unsealed_secrets = o->unsealed_secrets, .agent_tls = s->agent_tls,
                          .seal = s->seal.on ? &s->seal.cfg.cluster : NULL,
                          .tolerations_set = o->tolerations_set,
                          .not_ready_toleration_s = o->tolerations[0],
                          .unreachable_toleration_s = o->tolerations[1]};
    rc = daas_api_new(&ac, &s->api, err);
    if (rc == DAAS_OK && o->reb.set) /* also with --disable-controller-manager */
        daas_api_set_rebalance(s->api, &o->reb.lim);
    if (rc == DAAS_OK)
        rc = daas_api_start(s->api, err);
    if (rc == DAAS_OK)
        server_rules_start(&s->rules, &s->chain, s->api);
    if (rc == DAAS_OK)
        rc = start_sched(o, s, err);
    if (rc == DAAS_OK && s->sched && s->pki) {
        rc = server_admit_init(&s->fwd, s->pki, s->store, err);
        daas_api_set_admit_forward(s->api, server_admit_forward, &s->fwd);
    }
    if (rc != DAAS_OK)
        return rc;
    daas_http_config hc = {.bind_addr = o->bind, .port = o->port, .tls = s->tls,
                           .threads = o->workers, .handler = daas_api_handle, .arg = s->api};
    rc = daas_http_server_new(&hc, &s->http, err);
    if (rc == DAAS_OK)
        rc = daas_http_server_start(s->http, err);
    if (rc == DAAS_OK && !o->no_controllers) {
        char ip[300];
        if (o->advertise)
            snprintf(ip, sizeof ip, "%s", o->advertise);
        else if (o->bind && strcmp(o->bind, "0.0.0.0") != 0)
            snprintf(ip, sizeof ip, "%s", o->bind);
        else
            daas_first_ipv4(ip, sizeof ip);
        char self[400];
        snprintf(self, sizeof self, strchr(ip, ':') ? "https://[%s]:%d" : "https://%s:%d", ip,
                 daas_http_server_port(s->http));
        server_ctrl_opts co = {.api = s->api, .store = s->store, .sched = s->sched,
                               .reb = &o->reb, .url = self,
                               .node_grace_s = o->node_grace_s,
                               .toleration_s = o->tolerations_set ? o->tolerations[1] : -1,
                               .apiserver_ip = ip, .apiserver_port = daas_http_server_port(s->http)};
        rc = server_ctrl_start(&co, &s->ctrl, err);
    }
    if (rc == DAAS_OK && o->dev && !o->disable_agent) {
        snprintf(url, sizeof url, "https://127.0.0.1:%d", daas_http_server_port(s->http));
        rc = server_dev_agent(&s->agent, &s->chain, o->data_dir, url, o->cluster_id,
                              s->seal.on, err);
    }
    return rc;
}

static void announce(const server_opts *o, const server *s)
{
    int port = s->http ? daas_http_server_port(s->http) : o->port;
    if (o->dev)
        DAAS_WARN("server", "DEV MODE: self-signed cluster CA, development Sui chain, "
                            "DEBUG scheduler enclave, dev Seal key servers; not for production");
    if (o->plain_http)
        DAAS_WARN("server", "INSECURE: plain HTTP without authentication (tests only)");
    if (o->unsealed_secrets)
        DAAS_WARN("server", "INSECURE: Secrets are stored in PLAINTEXT (tests only)");
    DAAS_INFO("server", "daas v%s serving the Kubernetes API (v1.32) on %s://%s:%d, data in %s",
              DAAS_VERSION, o->plain_http ? "http" : "https", o->bind ? o->bind : "0.0.0.0",
              port, o->data_dir);
    if (s->pki) {
        DAAS_INFO("server", "kubeconfig: %s", daas_pki_kubeconfig_path(s->pki));
        if (o->dev)
            printf("\nK3s-DaaS dev cluster is up. Point kubectl at it:\n\n"
                   "    export KUBECONFIG=%s\n    kubectl get namespaces\n\n"
                   "or sign in with the staked dev wallet (daas auth token):\n\n"
                   "    export KUBECONFIG=%s/kubeconfig-wallet.yaml\n\n"
                   "The development chain: export DAAS_CHAIN=%s/devnet/chain.json\n\n",
                   daas_pki_kubeconfig_path(s->pki), o->data_dir, o->data_dir);
        fflush(stdout);
    }
}

int daas_cmd_server(int argc, char **argv)
{
    server_opts o = {.port = 6443, .workers = 8};
    server s = {0};
    daas_err err = {0};
    sigset_t set;

    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc == 1 ? 0 : prc;
    default_data_dir(&o);
    /* Block the stop signals in every thread; the main thread waits for them. */
    daas_cmd_block_stop_signals(&set);
    if (server_start(&o, &s, &err) != DAAS_OK) {
        fprintf(stderr, "daas server: %s\n", err.msg[0] ? err.msg : daas_err_text(err.code));
        server_stop(&s);
        return 1;
    }
    announce(&o, &s);
    int sig = 0;
    sigwait(&set, &sig);
    DAAS_INFO("server", "signal %d: shutting down", sig);
    server_stop(&s);
    return 0;
}
