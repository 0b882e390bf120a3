/*
 * cmdutil.c: what the sub-commands share: the --log-level names, the stop-signal set-up of
 * the long-running ones (server, devnet, enclave, vsock-proxy), the chain connection and the
 * usage/exit conventions of the chain commands (sui, verify).
 *
 * Owns:   nothing beyond these helpers (declared in cmd.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "sui/keyspec.h"

int daas_cmd_log_level(const char *s)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void daas_cmd_block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int daas_cmd_chain_open(const char *chain, const char *package, bool need_pkg,
                        daas_cmd_chain *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = daas_sui_chain_resolve(chain, package, &out->chain, err);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_client(&out->chain, &out->c, err);
    if (rc != DAAS_OK || !need_pkg)
        return rc;
    if (!out->chain.has_package)
        return daas_fail(err, DAAS_EINVAL, "no daas package: pass --package 0x...");
    return daas_pkg_discover(out->c, out->chain.package, &out->pkg, err);
}

int daas_cmd_chain_open_key(const char *key_spec, const char *keystore, const char *key_what,
                            const char *chain, const char *package, bool need_pkg,
                            daas_cmd_chain *out, daas_err *err)
{
    daas_sui_key *k = NULL;
    int rc = DAAS_OK;
    if (key_what && key_spec == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "missing %s", key_what);
    else if (key_what)
        rc = daas_sui_keyspec_resolve(key_spec, keystore, &k, err);
    if (rc == DAAS_OK)
        rc = daas_cmd_chain_open(chain, package, need_pkg, out, err);
    else
        memset(out, 0, sizeof *out);
    out->k = k;
    return rc;
}

void daas_cmd_chain_close(daas_cmd_chain *s)
{
    daas_sui_key_free(&s->k);
    daas_sui_client_free(&s->c);
}

int daas_cmd_usage_exit(int prc, const char *name, const char *usage)
{
    fprintf(prc == 1 ? stdout : stderr, "usage: daas %s %s\n", name, usage);
    return prc == 1 ? 0 : 2;
}

int daas_cmd_exit(const char *name, int rc, const daas_err *err)
{
    if (rc == DAAS_OK)
        return 0;
    fprintf(stderr, "daas %s: %s\n", name, err->msg[0] ? err->msg : daas_err_text(err->code));
    return 1;
}
