/*
 * server_dev.c: the development wallet of `daas server --dev`: a Sui key funded by the devnet's
 * faucet and staked at the user tier, and a second kubeconfig whose user signs in with it
 * through `daas auth token` (the exec credential plugin).
 *
 * Owns:   <data_dir>/dev-wallet.keystore (0600) and <data_dir>/kubeconfig-wallet.yaml (0600);
 *         the devnet's own TLS certificate <data_dir>/tls/devnet.{crt,key} (issued once by
 *         the cluster CA, so the chain can start before the CA key is unsealed).
 * Invariants: idempotent across restarts: the same key is reused, and it is funded and
 *         staked only while its stake is below the user tier; only ever used with the devnet.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "pki/pki.h"
#include "sui/pkg.h"

#define WALLET_ALIAS "dev-wallet"

int server_dev_key(const char *path, const char *alias, daas_sui_key **out, daas_err *err)
{
    daas_sui_keystore *ks = NULL;
    int rc = DAAS_OK;
    if (access(path, F_OK) != 0) {
        rc = daas_sui_key_generate(DAAS_SUI_ED25519, out, err);
        if (rc == DAAS_OK)
            rc = daas_sui_keystore_store_key(path, *out, alias, err);
        return rc;
    }
    rc = daas_sui_keystore_load(path, &ks, err);
    if (rc == DAAS_OK && daas_sui_keystore_count(ks) != 1)
        rc = daas_fail(err, DAAS_EINVAL, "%s should hold exactly one key", path);
    if (rc == DAAS_OK)
        rc = daas_sui_key_dup(daas_sui_keystore_key(ks, 0), out, err);
    daas_sui_keystore_free(&ks);
    return rc;
}

int server_dev_fund(const server_chain *ch, const daas_sui_key *k, int role, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_pkg_params params;
    daas_pkg_stake_info st = {0};
    daas_sui_key_address(k, addr);
    int rc = daas_pkg_get_params(ch->client, &ch->pkg, &params, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_stake_of(ch->client, &ch->pkg, addr, &st, err);
    if (rc != DAAS_OK || daas_pkg_role_of(&params, &st) >= role)
        return rc;
    uint64_t need = params.thresholds[role - 1];
    uint64_t add = st.amount >= need ? 1 : need - st.amount;
    daas_sui_coin coins[8];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    rc = daas_devnet_faucet(ch->devnet, addr, coins, 8, &n, digest, err);
    daas_sui_exec_result r = {0};
    if (rc == DAAS_OK)
        rc = daas_pkg_stake(ch->client, k, &ch->pkg, add, role, &r, err);
    daas_sui_exec_result_fini(&r);
    return rc;
}

int server_dev_wallet(const server_chain *ch, daas_pki *pki, const char *data_dir,
                      const char *server_url, const char *cluster_id, daas_err *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return daas_fail(err, DAAS_EIO, "cannot find the daas binary (/proc/self/exe)");
    exe[n] = '\0';
    char *ks = daas_xasprintf("%s/dev-wallet.keystore", data_dir);
    char *kc = daas_xasprintf("%s/kubeconfig-wallet.yaml", data_dir);
    daas_sui_key *k = NULL;
    int rc = server_dev_key(ks, WALLET_ALIAS, &k, err);
    if (rc == DAAS_OK)
        rc = server_dev_fund(ch, k, DAAS_PKG_ROLE_USER, err);
    if (rc == DAAS_OK) {
        const char *argv[] = {exe, "auth", "token", "--key", ks, "--cluster-id", cluster_id, NULL};
        rc = daas_pki_write_exec_kubeconfig(pki, kc, server_url, "daas-dev-wallet", argv, err);
    }
    if (rc == DAAS_OK) {
        uint8_t addr[DAAS_SUI_ADDRESS_LEN];
        char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_key_address(k, addr);
        daas_sui_address_hex(addr, hex);
        DAAS_INFO("server", "dev wallet %s (user tier): kubeconfig %s", hex, kc);
    }
    daas_sui_key_free(&k);
    daas_free(ks);
    daas_free(kc);
    return rc;
}

int server_dev_chain_tls(daas_pki *pki, const char *data_dir, SSL_CTX **ctx, daas_err *err)
{
    char *crt = daas_xasprintf("%s/tls/devnet.crt", data_dir);
    char *key = daas_xasprintf("%s/tls/devnet.key", data_dir);
    const char *sans[] = {"127.0.0.1", "localhost"};
    int rc = DAAS_OK;
    if (access(crt, R_OK) != 0 || access(key, R_OK) != 0)
        rc = pki ? daas_pki_issue_server(pki, "daas-devnet", sans, 2, crt, key, err)
                 : daas_fail(err, DAAS_ENOTFOUND,
                             "%s is missing and the cluster CA key is sealed: the devnet "
                             "cannot serve TLS (remove %s to start the dev cluster over)",
                             crt, data_dir);
    if (rc == DAAS_OK)
        rc = daas_pki_file_ctx(crt, key, ctx, err);
    daas_free(crt);
    daas_free(key);
    return rc;
}
