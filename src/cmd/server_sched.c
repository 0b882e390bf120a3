/*
 * server_sched.c: the scheduler side of `daas server`: the scheduler controller's chain hook
 * (registering the attested enclave with enclave::register, committing decision batches with
 * scheduling::commit_batch) and, under --dev, a debug enclave run as a child process.
 *
 * Owns:   server_sched (server_int.h): the paying key, the Ledger/EnclaveConfig ids, the
 *         --dev enclave process and its CA.
 * Invariants:
 *   - an Enclave object is reused only when it carries the same key, was registered against
 *     the cluster's EnclaveConfig at its current version (else a new registration);
 *   - the --dev enclave is a supervised child (server_child.c): its key never enters the
 *     server; when it exits a new one starts (a new key: the controller registers it).
 * Spec:   api/schedctl.h (the hook), sui/pkg_enclave.h, move/README.md `enclave`,
 *         `scheduling`.
 */
#include <string.h>
#include <unistd.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "sui/keyspec.h"

/* ---- the chain hook ---- */

static int hook_enclave(void *arg, daas_bytes doc, const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                        uint8_t id[DAAS_SCHED_ENCLAVE_ID_LEN], uint64_t *next_seq,
                        daas_err *err)
{
    server_sched *s = arg;
    daas_sui_client *c = s->chain->client;
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave *list = NULL;
    size_t n = 0;
    int rc = daas_pkg_enclave_config_get(c, &s->chain->pkg, s->where.config, &cfg, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_list(c, &s->chain->pkg, &list, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        const daas_pkg_enclave *e = &list[i];
        if (memcmp(e->public_key, pk, DAAS_PKG_ENCLAVE_PK_LEN) == 0 &&
            memcmp(e->config, cfg.id, sizeof cfg.id) == 0 && e->config_version == cfg.version) {
            memcpy(id, e->id, DAAS_SCHED_ENCLAVE_ID_LEN);
            *next_seq = e->next_seq;
            daas_free(list);
            return DAAS_OK;
        }
    }
    daas_free(list);
    if (rc != DAAS_OK)
        return rc;
    daas_sui_exec_result r = {0};
    rc = daas_pkg_enclave_register(c, s->key, &s->chain->pkg, &s->where, doc, &r, id, err);
    if (rc == DAAS_OK)
        DAAS_INFO("server", "enclave::register in transaction %s", r.digest);
    daas_sui_exec_result_fini(&r);
    *next_seq = 0;
    return rc;
}

static int hook_commit(void *arg, const uint8_t id[DAAS_SCHED_ENCLAVE_ID_LEN],
                       const uint8_t root[DAAS_SCHED_DIGEST_LEN], uint64_t first, uint64_t count,
                       uint64_t ts, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                       char digest[DAAS_DECLOG_MAX_TX_DIGEST + 1], daas_err *err)
{
    server_sched *s = arg;
    daas_pkg_enclave e;
    daas_sui_exec_result r = {0};
    int rc = daas_pkg_enclave_get(s->chain->client, &s->chain->pkg, id, &e, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_commit_batch(s->chain->client, s->key, &s->chain->pkg, &s->where, &e, root,
                                   first, count, ts, sig, &r, err);
    if (rc == DAAS_OK)
        snprintf(digest, DAAS_DECLOG_MAX_TX_DIGEST + 1, "%s", r.digest);
    daas_sui_exec_result_fini(&r);
    return rc;
}

/* --dev: an EnclaveConfig that accepts debug enclaves, unless the chain has one. */
static int dev_config(server_sched *s, daas_err *err)
{
    static const uint8_t zero[3][DAAS_PKG_PCR_LEN];
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    daas_sui_exec_result r = {0};
    int rc = daas_pkg_enclave_config_create(s->chain->client, s->key, &s->chain->pkg,
                                            "daas-scheduler", zero, true, &r, id, err);
    daas_sui_exec_result_fini(&r);
    if (rc == DAAS_OK)
        DAAS_WARN("server", "DEV MODE: created an EnclaveConfig that accepts DEBUG enclaves");
    return rc;
}

int server_sched_hook(server_sched *s, const server_chain *ch, const char *key_spec,
                      const char *config_id, daas_schedctl_chain *out, daas_err *err)
{
    uint8_t cid[DAAS_SUI_ADDRESS_LEN];
    int rc = DAAS_OK;
    s->chain = ch;
    if (key_spec)
        rc = daas_sui_keyspec_resolve(key_spec, NULL, &s->key, err);
    else if (ch->devnet)
        rc = daas_sui_key_dup(daas_devnet_publisher(ch->devnet), &s->key, err);
    else
        rc = daas_fail(err, DAAS_EINVAL,
                       "--enclave with --chain needs --sui-key: the key that pays for "
                       "enclave::register and scheduling::commit_batch");
    if (rc == DAAS_OK && config_id)
        rc = daas_sui_address_parse(config_id, cid, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_sched_discover(ch->client, &ch->pkg, config_id ? cid : NULL, &s->where,
                                     err);
    if (rc == DAAS_ENOTFOUND && ch->devnet && config_id == NULL) {
        daas_err_clear(err);
        rc = dev_config(s, err);
        if (rc == DAAS_OK)
            rc = daas_pkg_sched_discover(ch->client, &ch->pkg, NULL, &s->where, err);
    }
    if (rc != DAAS_OK)
        return rc;
    *out = (daas_schedctl_chain){.arg = s, .enclave = hook_enclave, .commit = hook_commit};
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(s->where.config, hex);
    DAAS_INFO("server", "scheduler enclaves are registered against EnclaveConfig %s", hex);
    return DAAS_OK;
}

/* ---- the --dev enclave ---- */

int server_sched_dev_ca(server_sched *s, const char *data_dir, daas_err *err)
{
    char *dir = daas_xasprintf("%s/enclave-ca", data_dir);
    int rc = daas_enclave_debug_ca_open(dir, &s->ca, err);
    if (rc == DAAS_OK)
        s->ca_path = daas_xasprintf("%s/ca.crt", dir);
    daas_free(dir);
    return rc;
}

int server_sched_dev_enclave(server_sched *s, const char *data_dir, daas_err *err)
{
    char *sock = daas_xasprintf("%s/enclave.sock", data_dir);
    char *ca_dir = daas_xasprintf("%s/enclave-ca", data_dir);
    char *logp = daas_xasprintf("%s/enclave.log", data_dir);
    s->addr = daas_xasprintf("unix:%s", sock);
    (void)unlink(sock); /* a stale socket from an earlier run */
    const char *args[] = {"enclave", "--listen", s->addr, "--debug-ca", ca_dir, NULL};
    int rc = server_child_start(&s->enclave, "dev enclave", args, logp, err);
    if (rc == DAAS_OK)
        DAAS_WARN("server", "DEV MODE: DEBUG scheduler enclave (pid %d) at %s, log %s",
                  (int)server_child_pid(&s->enclave), s->addr, logp);
    daas_free(sock);
    daas_free(ca_dir);
    daas_free(logp);
    return rc;
}

void server_sched_stop(server_sched *s)
{
    server_child_stop(&s->enclave);
    daas_sui_key_free(&s->key);
    daas_enclave_debug_ca_free(&s->ca);
    daas_free(s->ca_path);
    daas_free(s->addr);
    s->ca_path = s->addr = NULL;
}
