/*
 * fuzz_devnet_gql.c: libFuzzer target for the devnet's GraphQL front (src/devnet/serve.c):
 * arbitrary bytes as a POST /graphql body, against one devnet opened in a temporary
 * directory (under $DAAS_TEST_TMP or /tmp) for the whole run.
 *
 * Owns:   the devnet and its directory, closed and removed at exit. Any input must get a
 *         reply that is a JSON object with `data` or `errors`, status 200, 400 or 500 (400
 *         only with `errors`); ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/alloc.h"
#include "devnet/devnet.h"
#include "devnet_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reply must be a JSON object carrying data or errors, as its status says. */
static void check_reply(const char *out, int status)
{
    json_t *r = json_loads(out, 0, NULL);
    if (r == NULL || !json_is_object(r))
        abort();
    json_t *errs = json_object_get(r, "errors");
    bool has_errors = json_is_array(errs) && json_array_size(errs) > 0 &&
                      json_is_string(json_object_get(json_array_get(errs, 0), "message"));
    if (status != 200 && status != 400 && status != 500)
        abort();
    if (status != 200 && !has_errors)
        abort();
    if (!has_errors && json_object_get(r, "data") == NULL)
        abort();
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_devnet *devnet = devnet_fuzz_get("fuzz_devnet_gql", NULL);
    int status = 0;
    char *out = daas_devnet_graphql(devnet, (const char *)data, size, &status);
    if (out == NULL)
        abort();
    check_reply(out, status);
    free(out); /* jansson's allocation */
    return 0;
}
