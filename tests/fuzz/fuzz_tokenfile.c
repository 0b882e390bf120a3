/*
 * fuzz_tokenfile.c: the token-file parser (kube-apiserver --token-auth-file CSV) and the
 * Bearer-header handling of the token authenticator, from arbitrary bytes.
 *
 * Owns:   nothing across runs; every input is parsed, used and freed.
 * Input:  the whole input is parsed as a token file. Its first line (up to a NUL) is also
 *         used as an Authorization header value and as a raw token: against the table parsed
 *         from the input (when it parses) and against a fixed table.
 * Checks: no crash, leak or UB; a parse error has no table and a message naming a line; an
 *         accepted user has a name and "system:authenticated"; against the fixed table only
 *         its one token is accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn.h"
#include "api/authn_int.h"
#include "common/alloc.h"

static void check_user(const daas_user *u)
{
    if (u->name[0] == '\0' || !daas_user_in_group(u, "system:authenticated") ||
        u->ngroups < 1 || u->ngroups > 8)
        abort();
}

/* Runs a [tokens, x509] chain (taking t) on a request whose Authorization is value. */
static int run_chain(daas_authn__tokens *t, const char *value, daas_user *u)
{
    daas_http_header h = {"authorization", value};
    daas_http_peer peer = {0}; /* unverified: x509 must never accept */
    daas_http_req req = {.method = "GET", .target = "/", .path = "/", .query = "",
                         .headers = &h, .nheaders = 1, .peer = &peer, .remote = "fuzz"};
    daas_authn *a = daas_authn_new();
    daas_authn__add_tokens(a, t);
    daas_authn_add_x509(a);
    daas_err err = {0};
    int rc = daas_authn_run(a, &req, u, &err);
    if (rc == DAAS_OK)
        check_user(u);
    else if (rc != DAAS_EUNAUTH || strcmp(err.msg, "Unauthorized") != 0)
        abort();
    daas_authn_free(&a);
    return rc;
}

static void against_fixed_table(const char *line)
{
    static const char file[] = "s3cr3t,fixed-user,42,\"g1,g2\"\n";
    daas_authn__tokens *t = NULL;
    daas_user u;
    if (daas_authn__tokens_parse(file, sizeof file - 1, "fixed", &t, NULL) != DAAS_OK)
        abort();
    if (daas_authn__tokens_lookup(t, line, strlen(line), &u) == DAAS_OK &&
        strcmp(line, "s3cr3t") != 0)
        abort();
    if (run_chain(t, line, &u) == DAAS_OK &&
        (strcmp(u.name, "fixed-user") != 0 || strstr(line, "s3cr3t") == NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    char *line = daas_xstrndup((const char *)data, nl != NULL ? (size_t)(nl - data) : size);
    daas_authn__tokens *t = NULL;
    daas_err err = {0};
    daas_user u;

    int rc = daas_authn__tokens_parse((const char *)data, size, "fuzz", &t, &err);
    if (rc == DAAS_OK) {
        if (daas_authn__tokens_lookup(t, line, strlen(line), &u) == DAAS_OK)
            check_user(&u);
        (void)run_chain(t, line, &u);
    } else if (t != NULL || strncmp(err.msg, "fuzz line ", 10) != 0) {
        abort();
    }
    against_fixed_table(line);
    daas_free(line);
    return 0;
}
