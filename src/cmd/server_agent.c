/*
 * server_agent.c: the agent `daas server --dev` runs for its own host (k3s's server runs one
 * too; `--disable-agent` turns it off): a node key funded by the devnet's faucet and staked
 * at the node tier, and `daas agent` as a supervised child trusting the cluster CA, the
 * devnet's enclave registrations and the dev Seal configuration; its logs/exec endpoint on
 * a free port (published on its Node), so several dev clusters can share a host.
 *
 * Owns:   DATA/agent/ (the agent's data dir: node.keystore 0600, images, runtime state) and
 *         DATA/agent.log.
 * Invariants: idempotent across restarts (the same key, staked only while below the node
 *         tier); a host that cannot run containers (not root, no runc) gets one warning and
 *         no agent, never a failed server start; only ever used with the devnet.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"

#define NODE_ALIAS "dev-node"
#define RUNC_PATH "/usr/sbin/runc"

int server_dev_agent(server_child *c, const server_chain *ch, const char *data_dir,
                     const char *server_url, const char *cluster_id, bool sealed,
                     daas_err *err)
{
    if (geteuid() != 0 || access(RUNC_PATH, X_OK) != 0) {
        DAAS_WARN("server", "--dev: no agent on this host (it needs root and %s); pods stay "
                            "Pending until an agent joins",
                  RUNC_PATH);
        return DAAS_OK;
    }
    char *dir = daas_xasprintf("%s/agent", data_dir);
    char *ks = daas_xasprintf("%s/node.keystore", dir);
    char *ca = daas_xasprintf("%s/tls/ca.crt", data_dir);
    char *chain = daas_xasprintf("%s/devnet/chain.json", data_dir);
    char *seal = daas_xasprintf("%s/seal/seal.json", data_dir);
    char *logp = daas_xasprintf("%s/agent.log", data_dir);
    daas_sui_key *k = NULL;
    int rc = mkdir(dir, 0700) == 0 || access(dir, W_OK) == 0
                 ? DAAS_OK
                 : daas_fail(err, DAAS_EIO, "cannot create %s", dir);
    if (rc == DAAS_OK)
        rc = server_dev_key(ks, NODE_ALIAS, &k, err);
    if (rc == DAAS_OK)
        rc = server_dev_fund(ch, k, DAAS_PKG_ROLE_NODE, err);
    if (rc == DAAS_OK) {
        const char *args[] = {"agent", "--server", server_url, "--keystore", ks, "--key",
                              NODE_ALIAS, "--cluster-id", cluster_id, "--ca", ca, "--chain",
                              chain, "--data-dir", dir, "--port", "0",
                              sealed ? "--seal-config" : NULL, seal, NULL};
        rc = server_child_start(c, "agent", args, logp, err);
    }
    if (rc == DAAS_OK)
        DAAS_INFO("server", "--dev: agent started for this host (log %s)", logp);
    daas_sui_key_free(&k);
    daas_free(dir);
    daas_free(ks);
    daas_free(ca);
    daas_free(chain);
    daas_free(seal);
    daas_free(logp);
    return rc;
}
