/*
 * fuzz_pkg_rules.c: the reader of the daas package's ClusterRules (sui/pkg_rules.c) from an
 * arbitrary GraphQL reply, as a chain (untrusted) would send it: the reply envelope and the
 * object (sui/gql_parse.c), then daas_pkg_rules_parse, then the BCS for the enclave.
 *
 * Owns:   nothing beyond one input.
 * Input:  a GraphQL reply body to the DaasObject query ({"data":{"object":{...}}}), at most
 *         64 KiB.
 * Checks: no crash, leak or UB; a failure is negative with a non-empty one-line message (the
 *         rules reader's: DAAS_EREMOTE), and leaves the output untouched; accepted rules pass
 *         daas_pkg_rules_check, have a version > 0, NUL-terminated rows and a shared owner,
 *         and encode to BCS whose length is the sum of their parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sui/gql_int.h"
#include "sui/pkg_rules.h"

#define MAX_REPLY (64 * 1024)

static void check_failure(int rc, const daas_err *e)
{
    if (rc >= 0 || e->code != rc || e->msg[0] == '\0' || strchr(e->msg, '\n') != NULL)
        abort();
}

/* The BCS length of accepted rules, computed independently of the encoder. */
static size_t expected_len(const daas_pkg_rules *r)
{
    size_t n = 8 + 1 + 1 + 3; /* version, two one-byte counts (<= 64), three tiers */
    for (size_t i = 0; i < r->n_registries; i++) {
        size_t l = strlen(r->registries[i]);
        n += l + (l < 128 ? 1 : 2);
    }
    for (size_t i = 0; i < r->n_digests; i++)
        n += 1 + strlen(r->digests[i]);
    return n;
}

static void check_accepted(const daas_sui_object *o, const daas_pkg_rules *r)
{
    daas_err e = {0};
    daas_buf b;
    if (o->owner_kind != DAAS_SUI_OWNER_SHARED || r->version == 0 ||
        daas_pkg_rules_check(r, &e) != DAAS_OK)
        abort();
    for (size_t i = 0; i < r->n_registries; i++)
        if (memchr(r->registries[i], '\0', sizeof r->registries[i]) == NULL)
            abort();
    daas_buf_init(&b, 0);
    if (daas_pkg_rules_bcs(r, &b, &e) != DAAS_OK || b.len != expected_len(r))
        abort();
    daas_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *d = NULL;
    daas_sui_object o = {0};
    daas_err e = {0};
    if (size > MAX_REPLY)
        return 0;
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    int rc = daas_sui__gql_parse_reply((const char *)data, size, &d, &e);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_object(d, "0x1", &o, &e);
    if (rc == DAAS_OK) {
        r->version = 0xdeadbeef;
        rc = daas_pkg_rules_parse(&o, r, &e);
        if (rc != DAAS_OK && (rc != DAAS_EREMOTE || r->version != 0xdeadbeef))
            abort();
    }
    if (rc != DAAS_OK)
        check_failure(rc, &e);
    else
        check_accepted(&o, r);
    daas_sui_object_fini(&o);
    json_decref(d);
    daas_free(r);
    return 0;
}
