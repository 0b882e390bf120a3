/*
 * fuzz_kubeconfig.c: the kubeconfig reader (pki/pki.h daas_pki_kubeconfig_parse) on arbitrary
 * bytes, with no base directory so that no file is ever read.
 *
 * Owns:   nothing across runs; every input is parsed twice (current-context, then the context
 *         "x") and the result freed.
 * Checks: no crash, leak or UB (alias bombs and cycles included); a success has a server
 *         without spaces or control bytes, a context, a cluster and a user, and a certificate
 *         exactly when it has a key; a refusal is DAAS_EINVAL or DAAS_ETOOBIG with one line
 *         starting "kubeconfig: " and leaves the output empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pki/pki.h"
#include "fuzz_util.h"

static void check_ok(const daas_pki_kubeconfig *k)
{
    if (k->server == NULL || k->context == NULL || k->cluster == NULL || k->user == NULL)
        abort();
    for (const char *p = k->server; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            abort();
    if ((k->cert_pem == NULL) != (k->key_pem == NULL))
        abort();
    if (k->token != NULL && (k->token[0] == '\0' || strpbrk(k->token, " \r\n\t") != NULL))
        abort();
}

static void run(const uint8_t *data, size_t size, const char *context)
{
    daas_pki_kubeconfig k;
    daas_err err = {0};
    int rc = daas_pki_kubeconfig_parse(DAAS_BYTES(data, size), context, NULL, &k, &err);
    if (rc == DAAS_OK) {
        check_ok(&k);
        daas_pki_kubeconfig_fini(&k);
        return;
    }
    fuzz_check_refusal(rc, &err);
    if (strncmp(err.msg, "kubeconfig: ", 12) != 0 || strchr(err.msg, '\n') != NULL ||
        k.server != NULL || k.key_pem != NULL || k.token != NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, NULL);
    run(data, size, "x");
    return 0;
}
