/*
 * agent.c: `daas agent`: a worker node joins the cluster with its Sui key (wallet tokens at
 * the node tier), registers its Node and keeps its Lease and status fresh until SIGTERM.
 * (Running pods is the next part of the agent; see docs/agent.md.)
 *
 * Owns:   the agent's flags and its heartbeat loop.
 * Invariants: a failed heartbeat is logged and retried on the next tick, never fatal; the
 *         first registration must succeed (else one line and exit 1); SIGINT/SIGTERM stop
 *         within a tick.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/kubeclient.h"
#include "agent/node.h"
#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "sui/keyspec.h"

#define MOD "agent"

typedef struct agent_opts {
    const char *server, *key, *keystore, *cluster_id, *ca, *node_name, *data_dir;
    int log_level;
} agent_opts;

static const char usage_text[] =
    "--server https://HOST:PORT --key KEY --cluster-id ID [--ca FILE] [--keystore FILE]\n"
    "       [--node-name NAME] [--data-dir DIR] [--log-level LEVEL]\n\n"
    "Joins the cluster as a worker node: signs wallet tokens with KEY (it needs node-tier\n"
    "stake), registers the Node (capacity, conditions, addresses, owner) and renews its\n"
    "Lease in kube-node-lease every 10 s until SIGINT/SIGTERM.\n\n"
    "  --server URL        the API server\n"
    "  --key KEY           the node's Sui key (suiprivkey, key file, alias or address)\n"
    "  --cluster-id ID     the cluster's id (the server's DATA_DIR/cluster-id)\n"
    "  --ca FILE           the cluster CA to trust (default: the system store)\n"
    "  --node-name NAME    default: the host name, lowercased\n"
    "  --data-dir DIR      the agent's state (default /var/lib/daas-agent)\n";

static int parse(int argc, char **argv, agent_opts *o)
{
    static const struct option longopts[] = {
        {"server", required_argument, 0, 's'},     {"key", required_argument, 0, 'k'},
        {"keystore", required_argument, 0, 'K'},   {"cluster-id", required_argument, 0, 'c'},
        {"ca", required_argument, 0, 'a'},         {"node-name", required_argument, 0, 'n'},
        {"data-dir", required_argument, 0, 'd'},   {"log-level", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    int c;
    optind = 1;
    o->log_level = DAAS_LOG_INFO;
    o->data_dir = "/var/lib/daas-agent";
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
        default: return 2;
        }
    }
    if (optind != argc || !o->server || !o->key || !o->cluster_id)
        return 2;
    return 0;
}

/* Waits up to ms for a stop signal; true when one came. */
static bool wait_stop(const sigset_t *set, int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 || (sig < 0 && errno != EAGAIN && errno != EINTR);
}

/* The heartbeat: the Lease every tick, the Node status every DAAS_AGENT_STATUS_EVERY_MS. */
static void heartbeat(daas_agent_kc *kc, const daas_agent_host *h, const sigset_t *set)
{
    int64_t next_status = daas_now_ms() + DAAS_AGENT_STATUS_EVERY_MS;
    bool was_ok = true;
    do {
        daas_err e = {0};
        int rc = daas_agent_lease_renew(kc, h->name, &e);
        if (rc == DAAS_OK && daas_now_ms() >= next_status) {
            rc = daas_agent_node_status(kc, h, &e);
            next_status = daas_now_ms() + DAAS_AGENT_STATUS_EVERY_MS;
        }
        if (rc != DAAS_OK && was_ok)
            DAAS_WARN(MOD, "heartbeat failed (retrying every %d s): %s",
                      DAAS_AGENT_LEASE_RENEW_MS / 1000, e.msg);
        else if (rc == DAAS_OK && !was_ok)
            DAAS_INFO(MOD, "heartbeat restored");
        was_ok = rc == DAAS_OK;
    } while (!wait_stop(set, DAAS_AGENT_LEASE_RENEW_MS));
}

static int run(const agent_opts *o, const sigset_t *set, daas_err *err)
{
    daas_sui_key *key = NULL;
    daas_agent_kc *kc = NULL;
    daas_agent_host h;
    memset(&h, 0, sizeof h);
    int rc = daas_mkdir_p(o->data_dir, err);
    if (rc == DAAS_OK)
        rc = daas_sui_keyspec_resolve(o->key, o->keystore, &key, err);
    if (rc == DAAS_OK) {
        uint8_t addr[DAAS_SUI_ADDRESS_LEN];
        daas_sui_key_address(key, addr);
        daas_sui_address_hex(addr, h.owner);
        rc = daas_agent_host_read(o->node_name, o->data_dir, &h, err);
    }
    daas_agent_kc_opts ko = {.server = o->server, .ca_file = o->ca, .key = key,
                             .cluster_id = o->cluster_id};
    if (rc == DAAS_OK)
        rc = daas_agent_kc_new(&ko, &kc, err);
    if (rc == DAAS_OK)
        rc = daas_agent_node_register(kc, &h, err);
    if (rc == DAAS_OK) {
        DAAS_INFO(MOD, "node %s registered (owner %s, %ld CPUs, %llu MiB); heartbeat every %d s",
                  h.name, h.owner, h.cpus, (unsigned long long)(h.memory >> 20),
                  DAAS_AGENT_LEASE_RENEW_MS / 1000);
        printf("agent: node %s joined %s\n", h.name, o->server);
        fflush(stdout);
        heartbeat(kc, &h, set);
        DAAS_INFO(MOD, "stopping");
    }
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
