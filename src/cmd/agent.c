/*
 * agent.c: `daas agent`: a worker node joins the cluster with its Sui key (wallet tokens at
 * the node tier), registers its Node and keeps its Lease and status fresh until SIGTERM, and
 * runs the pods bound to it (agent/pods.h) in a second thread with its own API client.
 *
 * Owns:   the agent's flags, its heartbeat loop and the pod thread.
 * Invariants: a failed heartbeat is logged and retried on the next tick, never fatal; the
 *         first registration must succeed (else one line and exit 1); SIGINT/SIGTERM stop
 *         within a tick.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/kubeclient.h"
#include "agent/node.h"
#include "agent/podres.h"
#include "agent/pods.h"
#include "agent/runtime.h"
#include "agent/serve.h"
#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "sched/trust.h"
#include "seal/open.h"
#include "sui/keyspec.h"

#define MOD "agent"
#define MAX_MULTI 8 /* repeated --enclave-key / --insecure-registry */

typedef struct agent_opts {
    const char *server, *key, *keystore, *cluster_id, *ca, *node_name, *data_dir;
    const char *image_store, *chain, *package, *runc, *seal_config, *nitro_device, *bind;
    const char *insecure[MAX_MULTI + 1];
    daas_sched_trusted_key keys[MAX_MULTI];
    size_t n_insecure, n_keys;
    int log_level, max_grace, port, nitro_count;
    bool nitro_explicit; /* --nitro-device given (a missing device is worth a warning) */
} agent_opts;

static const char usage_text[] =
    "--server https://HOST:PORT --key KEY --cluster-id ID [--ca FILE] [--keystore FILE]\n"
    "       [--node-name NAME] [--data-dir DIR] [--image-store DIR] [--chain FILE]\n"
    "       [--package 0x...] [--enclave-key HEX]... [--insecure-registry HOST:PORT]...\n"
    "       [--max-grace SECONDS] [--runc PATH] [--seal-config FILE] [--port N]\n"
    "       [--bind-address ADDR] [--nitro-device PATH] [--nitro-enclaves N]\n"
    "       [--log-level LEVEL]\n\n"
    "Joins the cluster as a worker node: signs wallet tokens with KEY (it needs node-tier\n"
    "stake), registers the Node (capacity, conditions, addresses, owner) and renews its\n"
    "Lease in kube-node-lease every 10 s until SIGINT/SIGTERM; runs the pods bound to it\n"
    "(watched) once their placement proof checks; serves their logs and exec to the API\n"
    "server only.\n\n"
    "  --server URL        the API server\n"
    "  --key KEY           the node's Sui key (suiprivkey, key file, alias or address)\n"
    "  --cluster-id ID     the cluster's id (the server's DATA_DIR/cluster-id)\n"
    "  --ca FILE           the cluster CA to trust (default: the system store)\n"
    "  --node-name NAME    default: the host name, lowercased\n"
    "  --data-dir DIR      the agent's state (default /var/lib/daas-agent)\n"
    "  --image-store DIR   the image store (default DATA/images)\n"
    "  --chain FILE|URL    trust the enclave keys registered on this chain\n"
    "  --package 0x...     the daas package on --chain (default: the chain file's)\n"
    "  --enclave-key HEX   trust this Ed25519 enclave key (any enclave id); repeatable\n"
    "  --insecure-registry HOST:PORT  pull from this loopback registry over http\n"
    "  --max-grace SECONDS cap of the pods' termination grace period (default: none)\n"
    "  --runc PATH         runc (default /usr/sbin/runc)\n"
    "  --seal-config FILE  the cluster's Seal configuration: the pods' sealed Secrets and\n"
    "                      ConfigMaps are opened with the key servers (needs --chain)\n"
    "  --port N            the logs/exec endpoint's HTTPS port (default 10250; 0: any)\n"
    "  --bind-address ADDR its address (default 0.0.0.0)\n"
    "  --nitro-device PATH the Nitro Enclaves device (default /dev/nitro_enclaves): when it\n"
    "                      exists, aws.ec2.nitro/nitro_enclaves is advertised and given to\n"
    "                      the containers that request it\n"
    "  --nitro-enclaves N  how many enclaves the node offers (default 4)\n";

/* Adds a --enclave-key value; false when it is not 64 hex digits. */
static bool add_key(agent_opts *o, const char *hex)
{
    if (o->n_keys == MAX_MULTI || strlen(hex) != 2 * DAAS_SCHED_PUBKEY_LEN)
        return false;
    memset(&o->keys[o->n_keys], 0, sizeof o->keys[0]);
    if (!daas_hex_decode(hex, DAAS_SCHED_PUBKEY_LEN, o->keys[o->n_keys].pk))
        return false;
    o->n_keys++;
    return true;
}

/* Parses a non-negative number of seconds; -1 when it is not one. */
static int parse_secs(const char *s)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400 ? -1 : (int)v;
}

/* The flags added for pods; 0, or 2 for a bad value. */
static int parse_pod_flag(agent_opts *o, int c)
{
    switch (c) {
    case 'i': o->image_store = optarg; return 0;
    case 'C': o->chain = optarg; return 0;
    case 'P': o->package = optarg; return 0;
    case 'r': o->runc = optarg; return 0;
    case 'S': o->seal_config = optarg; return 0;
    case 'N': o->nitro_device = optarg; o->nitro_explicit = true; return 0;
    case 'B': o->bind = optarg; return 0;
    case 'o': return (o->port = parse_secs(optarg)) < 0 || o->port > 65535 ? 2 : 0;
    case 'x': return (o->nitro_count = parse_secs(optarg)) < 1 || o->nitro_count > 64 ? 2 : 0;
    case 'e': return add_key(o, optarg) ? 0 : 2;
    case 'R':
        if (o->n_insecure == MAX_MULTI)
            return 2;
        o->insecure[o->n_insecure++] = optarg;
        return 0;
    case 'g': return (o->max_grace = parse_secs(optarg)) < 0 ? 2 : 0;
    default: return 2;
    }
}

static int parse(int argc, char **argv, agent_opts *o)
{
    static const struct option longopts[] = {
        {"server", required_argument, 0, 's'},     {"key", required_argument, 0, 'k'},
        {"keystore", required_argument, 0, 'K'},   {"cluster-id", required_argument, 0, 'c'},
        {"ca", required_argument, 0, 'a'},         {"node-name", required_argument, 0, 'n'},
        {"data-dir", required_argument, 0, 'd'},   {"log-level", required_argument, 0, 'l'},
        {"image-store", required_argument, 0, 'i'}, {"chain", required_argument, 0, 'C'},
        {"package", required_argument, 0, 'P'},   {"runc", required_argument, 0, 'r'},
        {"enclave-key", required_argument, 0, 'e'}, {"insecure-registry", required_argument, 0, 'R'},
        {"max-grace", required_argument, 0, 'g'}, {"seal-config", required_argument, 0, 'S'},
        {"nitro-device", required_argument, 0, 'N'}, {"bind-address", required_argument, 0, 'B'},
        {"port", required_argument, 0, 'o'},      {"nitro-enclaves", required_argument, 0, 'x'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    o->log_level = DAAS_LOG_INFO;
    o->data_dir = "/var/lib/daas-agent";
    o->port = DAAS_AGENT_PORT_DEFAULT;
    o->nitro_device = "/dev/nitro_enclaves";
    o->nitro_count = DAAS_AGENT_NITRO_DEFAULT;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->server = optarg; break;
        case 'k': o->key = optarg; break;
        case 'K': o->keystore = optarg; break;
        case 'c': o->cluster_id = optarg; break;
        case 'a': o->ca = optarg; break;
        case 'n': o->node_name = optarg; break;
        case 'd': o->data_dir = optarg; break;
        case 'l':
            if ((o->log_level = daas_cmd_log_level(optarg)) < 0)
                return 2;
            break;
        case 'h': return 1;
        case '?': return 2;
        default:
            if (parse_pod_flag(o, c) != 0)
                return 2;
            break;
        }
    }
    if (optind != argc || !o->server || !o->key || !o->cluster_id)
        return 2;
    if (o->seal_config && !o->chain) {
        fprintf(stderr, "daas agent: --seal-config needs --chain (the key servers' chain)\n");
        return 2;
    }
    return 0;
}

/* Waits up to ms for a stop signal; true when one came. */
static bool wait_stop(const sigset_t *set, int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 || (sig < 0 && errno != EAGAIN && errno != EINTR);
}

/* The heartbeat, every tick: the Lease, and the Node status when the stored one is not Ready
 * (the node lifecycle controller marked it Unknown while this agent was cut off or stopped),
 * else every DAAS_AGENT_STATUS_EVERY_MS, like the kubelet's status updates. */
static void heartbeat(daas_agent_kc *kc, const daas_agent_host *h, const sigset_t *set)
{
    int64_t next_status = daas_now_ms() + DAAS_AGENT_STATUS_EVERY_MS;
    bool was_ok = true;
    do {
        daas_err e = {0};
        int rc = daas_agent_lease_renew(kc, h->name, &e);
        bool due = daas_now_ms() >= next_status;
        if (rc == DAAS_OK)
            rc = daas_agent_node_status(kc, h, due, &e);
        if (rc == DAAS_OK && due)
            next_status = daas_now_ms() + DAAS_AGENT_STATUS_EVERY_MS;
        if (rc != DAAS_OK && was_ok)
            DAAS_WARN(MOD, "heartbeat failed (retrying every %d s): %s",
                      DAAS_AGENT_LEASE_RENEW_MS / 1000, e.msg);
        else if (rc == DAAS_OK && !was_ok)
            DAAS_INFO(MOD, "heartbeat restored");
        was_ok = rc == DAAS_OK;
    } while (!wait_stop(set, DAAS_AGENT_LEASE_RENEW_MS));
}

/* The agent's connection to the chain (--chain) for its stake and for Seal. */
typedef struct agent_chain {
    daas_cmd_chain ch;
    bool open;
    daas_seal_config cfg;        /* --seal-config */
    daas_seal_opener *opener;    /* opens the pods' sealed values; NULL without Seal */
} agent_chain;

/* Opens --chain (when given): reads the key's stake into h->stake, and with --seal-config
 * makes the Seal opener. */
static int chain_open(const agent_opts *o, const daas_sui_key *key, daas_agent_host *h,
                      agent_chain *ac, daas_err *err)
{
    if (o->chain == NULL)
        return DAAS_OK;
    int rc = daas_cmd_chain_open(o->chain, o->package, true, &ac->ch, err);
    ac->open = true;
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_pkg_stake_info st = {0};
    daas_sui_key_address(key, addr);
    if (rc == DAAS_OK && daas_pkg_stake_of(ac->ch.c, &ac->ch.pkg, addr, &st, err) == DAAS_OK)
        h->stake = st.amount;
    daas_err_clear(err); /* the stake annotation is informative: the server checks stake */
    if (rc == DAAS_OK && o->seal_config != NULL)
        rc = daas_seal_config_load(o->seal_config, &ac->cfg, err);
    if (rc == DAAS_OK && o->seal_config != NULL)
        rc = daas_seal_opener_new(key, ac->ch.c, &ac->ch.pkg, &ac->cfg, &ac->opener, err);
    return rc;
}

static void chain_close(agent_chain *ac)
{
    daas_seal_opener_free(&ac->opener);
    if (ac->open)
        daas_cmd_chain_close(&ac->ch);
    ac->open = false;
}

/* The pod thread's state. */
typedef struct pod_thread {
    const agent_opts *o;
    daas_agent_pods *pods;
    daas_agent_kc *kc;       /* the thread's own client */
    daas_agent_podres *res;  /* the pods' ConfigMaps, Secrets and volumes */
    daas_agent_srv *srv;     /* the logs and exec endpoint (NULL without --ca) */
    daas_rt *rt;
    atomic_bool stop;
} pod_thread;

/* keys_fn: the enclave keys registered on --chain. */
static int chain_keys(void *ctx, daas_sched_trusted_key **keys, size_t *n, daas_err *err)
{
    const agent_opts *o = ctx;
    daas_cmd_chain s;
    int rc = daas_cmd_chain_open(o->chain, o->package, true, &s, err);
    if (rc == DAAS_OK)
        rc = daas_sched_chain_keys(s.c, &s.pkg, NULL, keys, n, err);
    daas_cmd_chain_close(&s);
    return rc;
}

static void *pod_loop(void *arg)
{
    pod_thread *t = arg;
    daas_err e = {0};
    if (daas_agent_pods_run(t->pods, &t->stop, &e) != DAAS_OK)
        DAAS_ERROR(MOD, "the pod loop stopped: %s", e.msg);
    return NULL;
}

/* The runtime, and the HTTPS endpoint for logs and exec (needs --ca: only the API server,
 * with a client certificate of the cluster CA, is served); fills h's port and fingerprint. */
static int runtime_open(const agent_opts *o, daas_agent_host *h, pod_thread *t, daas_err *err)
{
    char *state = daas_xasprintf("%s/runtime", o->data_dir);
    int rc = daas_rt_new(state, o->runc, &t->rt, err);
    daas_free(state);
    if (rc == DAAS_OK)
        rc = daas_rt_private_state(t->rt, err);
    if (rc != DAAS_OK)
        return rc;
    if (o->ca == NULL) {
        DAAS_WARN(MOD, "no --ca: the logs and exec endpoint is off (kubectl logs/exec will "
                       "fail for this node)");
        return DAAS_OK;
    }
    daas_agent_srv_opts so = {.bind_addr = o->bind, .port = o->port, .ca_file = o->ca,
                              .node_name = h->name, .address = h->address, .rt = t->rt};
    rc = daas_agent_srv_new(&so, &t->srv, err);
    if (rc == DAAS_OK) {
        h->port = daas_agent_srv_port(t->srv);
        snprintf(h->cert_sha256, sizeof h->cert_sha256, "%s", daas_agent_srv_cert_sha256(t->srv));
    }
    return rc;
}

/* Opens the pod thread's client, pod resources and loop. */
static int pods_open(const agent_opts *o, const daas_agent_kc_opts *ko, const daas_agent_host *h,
                     daas_seal_opener *opener, pod_thread *t, daas_err *err)
{
    int rc = daas_agent_kc_new(ko, &t->kc, err);
    daas_agent_podres_opts ro = {.kc = t->kc, .opener = opener, .data_dir = o->data_dir,
                                 .node_name = h->name, .host_ip = h->address};
    if (rc == DAAS_OK)
        rc = daas_agent_podres_new(&ro, &t->res, err);
    daas_agent_pods_opts po = {.kc = t->kc, .rt = t->rt, .node_name = h->name,
                               .host_ip = h->address, .data_dir = o->data_dir,
                               .image_store = o->image_store, .insecure_registries = o->insecure,
                               .keys = o->keys, .n_keys = o->n_keys,
                               .keys_fn = o->chain != NULL ? chain_keys : NULL,
                               .keys_ctx = (void *)o, .max_grace_s = o->max_grace,
                               .nitro_device = h->nitro_enclaves > 0 ? o->nitro_device : NULL,
                               .res = t->res};
    if (rc == DAAS_OK)
        rc = daas_agent_pods_new(&po, &t->pods, err);
    return rc;
}

static void pods_close(pod_thread *t)
{
    daas_agent_pods_free(&t->pods);
    daas_agent_podres_free(&t->res);
    daas_agent_srv_free(&t->srv);
    daas_rt_free(&t->rt);
    daas_agent_kc_free(&t->kc);
}

/* The host's facts, with what the flags and the chain add. */
static int host_open(const agent_opts *o, const daas_sui_key *key, daas_agent_host *h,
                     agent_chain *ac, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_key_address(key, addr);
    daas_sui_address_hex(addr, h->owner);
    if (o->nitro_device != NULL && access(o->nitro_device, F_OK) == 0)
        h->nitro_enclaves = o->nitro_count;
    else if (o->nitro_explicit)
        DAAS_WARN(MOD, "no Nitro Enclaves device at %s: not advertised", o->nitro_device);
    int rc = daas_agent_host_read(o->node_name, o->data_dir, h, err);
    return rc == DAAS_OK ? chain_open(o, key, h, ac, err) : rc;
}

static int run(const agent_opts *o, const sigset_t *set, daas_err *err)
{
    pod_thread t = {.o = o};
    agent_chain ac = {0};
    pthread_t tid;
    bool started = false;
    daas_sui_key *key = NULL;
    daas_agent_kc *kc = NULL;
    daas_agent_host h;
    memset(&h, 0, sizeof h);
    int rc = daas_mkdir_p(o->data_dir, err);
    if (rc == DAAS_OK)
        rc = daas_sui_keyspec_resolve(o->key, o->keystore, &key, err);
    if (rc == DAAS_OK)
        rc = host_open(o, key, &h, &ac, err);
    if (rc == DAAS_OK)
        rc = runtime_open(o, &h, &t, err);
    daas_agent_kc_opts ko = {.server = o->server, .ca_file = o->ca, .key = key,
                             .cluster_id = o->cluster_id};
    if (rc == DAAS_OK)
        rc = daas_agent_kc_new(&ko, &kc, err);
    if (rc == DAAS_OK)
        rc = daas_agent_node_register(kc, &h, err);
    if (rc == DAAS_OK)
        rc = pods_open(o, &ko, &h, ac.opener, &t, err);
    if (rc == DAAS_OK) {
        started = pthread_create(&tid, NULL, pod_loop, &t) == 0;
        if (!started)
            rc = daas_fail(err, DAAS_EINTERNAL, "cannot start the pod thread");
    }
    if (rc == DAAS_OK) {
        DAAS_INFO(MOD, "node %s registered (owner %s, %ld CPUs, %llu MiB, endpoint port %d); "
                       "heartbeat every %d s",
                  h.name, h.owner, h.cpus, (unsigned long long)(h.memory >> 20), h.port,
                  DAAS_AGENT_LEASE_RENEW_MS / 1000);
        printf("agent: node %s joined %s\n", h.name, o->server);
        fflush(stdout);
        heartbeat(kc, &h, set);
        DAAS_INFO(MOD, "stopping");
    }
    if (started) {
        atomic_store(&t.stop, true);
        pthread_join(tid, NULL);
    }
    pods_close(&t);
    chain_close(&ac);
    daas_agent_kc_free(&kc);
    daas_sui_key_free(&key);
    return rc;
}

int daas_cmd_agent(int argc, char **argv)
{
    agent_opts o = {0};
    int prc = parse(argc, argv, &o);
    if (prc != 0)
        return daas_cmd_usage_exit(prc, "agent", usage_text);
    daas_log_set_level(o.log_level);
    sigset_t set;
    daas_cmd_block_stop_signals(&set);
    daas_err err = {0};
    return daas_cmd_exit("agent", run(&o, &set, &err), &err);
}
