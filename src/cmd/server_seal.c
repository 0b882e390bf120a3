/*
 * server_seal.c: the Seal side of `daas server`: the configuration Secrets are sealed for
 * (--seal-config FILE), and under --dev three key servers (threshold 2) run as supervised
 * child processes, registered on the devnet, with the cluster's DecryptionPolicy.
 *
 * Owns:   server_seal (server_int.h); under --dev the files of DATA/seal/: ks-N.master (the
 *         key servers' master keys, 0600, read only by the children — the server derives the
 *         public key once to find the KeyServer objects), ks-N.keystore (their wallets),
 *         ks-N.crt/.key (their TLS certificates from the cluster CA), ks-N.log, policy-id,
 *         and seal.json (the configuration agents and `daas seal` use).
 * Invariants:
 *   - the server never asks for a derived key: it seals with public keys only;
 *   - startup waits until every dev key server's KeyServer object names its current URL, so
 *     the configuration written is usable at once;
 *   - restarts reuse master keys, wallets and the policy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "keyserver/keyserver.h"
#include "seal/vault.h"
#include "sui/pkg_seal.h"

#define READY_MS 30000
#define TICKET_TTL_MS (10 * 60 * 1000)

int server_seal_load(server_seal *s, const char *path, daas_err *err)
{
    int rc = daas_seal_config_load(path, &s->cfg, err);
    if (rc == DAAS_OK)
        s->on = true;
    return rc;
}

/* A free TCP port on 127.0.0.1 (closed again; the child binds it right after). */
static int free_port(int *port, daas_err *err)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return daas_fail(err, DAAS_EIO, "cannot find a free port: %s", strerror(errno));
    }
    *port = ntohs(a.sin_port);
    close(fd);
    return DAAS_OK;
}

/* The master key file of a dev key server (created 0600 on first use, in the format
 * `daas keyserver` reads) and its public key. */
static int dev_master(const char *path, uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err)
{
    uint8_t msk[DAAS_SEAL_SCALAR_LEN];
    int rc = daas_ks_master_key(path, msk, NULL, err); /* the key server's own file format */
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(msk, pk, err);
    daas_seal_wipe(msk, sizeof msk);
    return rc;
}

/* Everything one dev key server is started with. */
typedef struct dev_ks {
    char *master, *keystore, *crt, *key, *log, *url, *name;
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];
    uint8_t pk[DAAS_SEAL_G2_LEN];
} dev_ks;

static void dev_ks_fini(dev_ks *k)
{
    daas_free(k->master), daas_free(k->keystore), daas_free(k->crt), daas_free(k->key);
    daas_free(k->log), daas_free(k->url), daas_free(k->name);
}

/* Prepares key server i: master key, funded wallet, certificate, port. */
static int dev_prepare(const server_chain *ch, daas_pki *pki, const char *dir, int i, dev_ks *k,
                       daas_err *err)
{
    k->master = daas_xasprintf("%s/ks-%d.master", dir, i);
    k->keystore = daas_xasprintf("%s/ks-%d.keystore", dir, i);
    k->crt = daas_xasprintf("%s/ks-%d.crt", dir, i);
    k->key = daas_xasprintf("%s/ks-%d.key", dir, i);
    k->log = daas_xasprintf("%s/ks-%d.log", dir, i);
    k->name = daas_xasprintf("dev-keyserver-%d", i);
    int port = 0;
    daas_sui_key *wallet = NULL;
    int rc = dev_master(k->master, k->pk, err);
    if (rc == DAAS_OK)
        rc = server_dev_key(k->keystore, k->name, &wallet, err);
    if (rc == DAAS_OK) {
        daas_sui_coin coins[8];
        size_t n = 0;
        char digest[DAAS_SUI_DIGEST_B58_LEN];
        daas_sui_key_address(wallet, k->owner);
        rc = daas_devnet_faucet(ch->devnet, k->owner, coins, 8, &n, digest, err);
    }
    const char *sans[] = {"127.0.0.1", "localhost"};
    bool have_cert = access(k->crt, R_OK) == 0 && access(k->key, R_OK) == 0;
    if (rc == DAAS_OK && !have_cert && !pki)
        rc = daas_fail(err, DAAS_ENOTFOUND, "%s is missing and the cluster CA is sealed: "
                                            "remove %s to start the key servers over", k->crt,
                       dir);
    else if (rc == DAAS_OK && !have_cert)
        rc = daas_pki_issue_server(pki, k->name, sans, 2, k->crt, k->key, err);
    if (rc == DAAS_OK)
        rc = free_port(&port, err);
    if (rc == DAAS_OK)
        k->url = daas_xasprintf("https://127.0.0.1:%d", port);
    daas_sui_key_free(&wallet);
    return rc;
}

/* Waits until the KeyServer of k is on chain with k's URL; writes its object id. */
static int dev_wait(const server_chain *ch, const dev_ks *k, uint8_t id[DAAS_SUI_ADDRESS_LEN],
                    daas_err *err)
{
    int64_t end = daas_now_ms() + READY_MS;
    for (;;) {
        daas_pkg_key_server ks;
        int rc = daas_pkg_key_server_find(ch->client, ch->chain.seal_package, k->owner, k->pk,
                                          id, NULL);
        if (rc == DAAS_OK && daas_pkg_key_server_get(ch->client, id, &ks, NULL) == DAAS_OK &&
            strcmp(ks.url, k->url) == 0)
            return DAAS_OK;
        if (daas_now_ms() > end)
            return daas_fail(err, DAAS_ETIMEOUT,
                             "the dev key server %s did not register within %d s (see %s)",
                             k->name, READY_MS / 1000, k->log);
        usleep(100 * 1000);
    }
}

/* A DecryptionPolicy created once with p by the devnet's publisher, its id kept in
 * DATA/seal/<file>. */
static int dev_policy(const server_chain *ch, const char *dir, const char *file,
                      const daas_pkg_policy_params *p, uint8_t id[DAAS_SUI_ADDRESS_LEN],
                      daas_err *err)
{
    char *path = daas_xasprintf("%s/%s", dir, file);
    char buf[DAAS_SUI_ADDRESS_HEX_LEN + 2] = "";
    FILE *f = fopen(path, "r");
    int rc = DAAS_OK;
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
        buf[strcspn(buf, "\n")] = '\0';
        rc = daas_sui_address_parse(buf, id, err);
        daas_free(path);
        return rc;
    }
    rc = daas_pkg_policy_create(ch->client, daas_devnet_publisher(ch->devnet), &ch->pkg, p, id,
                                err);
    if (rc == DAAS_OK) {
        daas_sui_address_hex(id, buf);
        f = fopen(path, "w");
        if (!f || fprintf(f, "%s\n", buf) < 0 || fclose(f) != 0)
            rc = daas_fail(err, DAAS_EIO, "cannot write %s", path);
    }
    daas_free(path);
    return rc;
}

int server_seal_dev(server_seal *s, const server_chain *ch, daas_pki *pki, const char *data_dir,
                    daas_err *err)
{
    if (!ch->chain.has_seal_package)
        return daas_fail(err, DAAS_EINVAL, "the devnet names no Seal package");
    char *dir = daas_xasprintf("%s/seal", data_dir);
    char *chainf = daas_xstrdup(daas_devnet_node_chain_file(ch->node));
    char *cfgp = daas_xasprintf("%s/seal.json", dir);
    dev_ks k[SERVER_SEAL_DEV_N] = {0};
    int rc = mkdir(dir, 0700) == 0 || errno == EEXIST
                 ? DAAS_OK
                 : daas_fail(err, DAAS_EIO, "cannot create %s: %s", dir, strerror(errno));
    for (int i = 0; rc == DAAS_OK && i < SERVER_SEAL_DEV_N; i++) {
        rc = dev_prepare(ch, pki, dir, i, &k[i], err);
        const char *listen = k[i].url ? k[i].url + strlen("https://") : "";
        const char *args[] = {"keyserver", "--master-key", k[i].master, "--listen", listen,
                              "--tls-cert", k[i].crt, "--tls-key", k[i].key, "--chain", chainf,
                              "--key", k[i].keystore, "--name", k[i].name, "--url", k[i].url,
                              NULL};
        if (rc == DAAS_OK)
            rc = server_child_start(&s->ks[i], k[i].name, args, k[i].log, err);
    }
    daas_seal_config *c = &s->cfg;
    for (int i = 0; rc == DAAS_OK && i < SERVER_SEAL_DEV_N; i++) {
        rc = dev_wait(ch, &k[i], c->ks[i].object_id, err);
        memcpy(c->ks[i].pk, k[i].pk, DAAS_SEAL_G2_LEN);
        snprintf(c->ks[i].url, sizeof c->ks[i].url, "%s", k[i].url);
        memcpy(c->cluster.servers[i].object_id, c->ks[i].object_id, DAAS_SEAL_ADDR_LEN);
        memcpy(c->cluster.servers[i].pk, k[i].pk, DAAS_SEAL_G2_LEN);
    }
    /* Workload Secrets: nodes with node-tier stake. The control plane's own keys: only the
     * server's address (the devnet's publisher pays for and holds the dev server's tickets). */
    daas_pkg_params params = {0};
    daas_pkg_policy_params wp = {.ticket_ttl_ms = TICKET_TTL_MS};
    daas_pkg_policy_params cp = {.ticket_ttl_ms = TICKET_TTL_MS, .nallowed = 1};
    daas_sui_key_address(daas_devnet_publisher(ch->devnet), cp.allowed[0]);
    if (rc == DAAS_OK)
        rc = daas_pkg_get_params(ch->client, &ch->pkg, &params, err);
    wp.required_stake = params.thresholds[DAAS_PKG_ROLE_NODE - 1];
    if (rc == DAAS_OK)
        rc = dev_policy(ch, dir, "policy-id", &wp, c->cluster.policy_id, err);
    if (rc == DAAS_OK)
        rc = dev_policy(ch, dir, "control-plane-policy-id", &cp, c->cp_policy, err);
    c->has_cp_policy = rc == DAAS_OK;
    if (rc == DAAS_OK) {
        memcpy(c->cluster.package_id, ch->pkg.package, DAAS_SEAL_ADDR_LEN);
        c->cluster.nservers = SERVER_SEAL_DEV_N;
        c->cluster.threshold = SERVER_SEAL_DEV_T;
        snprintf(c->ca, sizeof c->ca, "%s/tls/ca.crt", data_dir); /* pki may be NULL */
        rc = daas_seal_config_write(cfgp, c, err);
    }
    if (rc == DAAS_OK) {
        s->on = true;
        DAAS_WARN("server", "DEV MODE: %d Seal key servers (threshold %d, logs %s/ks-N.log); "
                            "Secrets are sealed, configuration in %s",
                  SERVER_SEAL_DEV_N, SERVER_SEAL_DEV_T, dir, cfgp);
    }
    for (int i = 0; i < SERVER_SEAL_DEV_N; i++)
        dev_ks_fini(&k[i]);
    daas_free(dir);
    daas_free(chainf);
    daas_free(cfgp);
    return rc;
}

/* The pki's vault callbacks (pki/pki.h) on the server's Seal vault. */
static int vault_seal(void *arg, const char *path, daas_bytes pem, daas_err *err)
{
    return daas_seal_vault_seal(arg, path, pem, err);
}

static int vault_open(void *arg, const char *path, daas_buf *pem, daas_err *err)
{
    return daas_seal_vault_open(arg, path, pem, err);
}

int server_seal_vault(server_seal *s, const server_chain *ch, const daas_sui_key *key,
                      daas_err *err)
{
    if (!s->on || !s->cfg.has_cp_policy)
        return daas_fail(err, DAAS_EINVAL, "the Seal configuration names no "
                                           "control_plane_policy");
    int rc = daas_seal_vault_new(key, ch->client, &ch->pkg, &s->cfg, s->cfg.cp_policy,
                                 &s->vault, err);
    if (rc == DAAS_OK)
        s->pki_vault = (daas_pki_vault){.arg = s->vault, .seal = vault_seal, .open = vault_open};
    return rc;
}

void server_seal_stop(server_seal *s)
{
    daas_seal_vault_free(&s->vault);
    for (int i = 0; i < SERVER_SEAL_DEV_N; i++)
        server_child_stop(&s->ks[i]);
    s->on = false;
}
