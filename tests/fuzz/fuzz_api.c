/*
 * fuzz_api.c: libFuzzer target for the whole API request path: HTTP parsing, routing, query
 * and selector parsing, body decoding (JSON, protobuf, patches), the verbs and the store,
 * with a real SQLite store in a temporary directory.
 *
 * Owns:   nothing. Input: raw bytes of one HTTP/1.1 request. Besides "no crash, no leak, no
 *         UB" it checks that every request gets exactly one response and that every error
 *         response is a Kubernetes Status with the code of the HTTP status.
 * Not:    watches (they need an event loop; tests/e2e covers them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/http.h"
#include "store/store.h"

#define CHECK(x)                                                                           \
    do {                                                                                   \
        if (!(x)) {                                                                        \
            fprintf(stderr, "fuzz_api: check failed: %s (line %d)\n", #x, __LINE__);       \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static daas_store *store;
static daas_api *api;

static void setup(void)
{
    char dir[] = "/tmp/daas-fuzz-api.XXXXXX";
    char path[256];
    daas_err err = {0};
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/state.db", dir);
    daas_store_opts so = {.compact_interval_s = 0};
    CHECK(daas_store_open_sqlite(path, &so, &store, &err) == DAAS_OK);
    daas_api_config ac = {.store = store, .allow_anonymous = true};
    CHECK(daas_api_new(&ac, &api, &err) == DAAS_OK);
    CHECK(daas_api_start(api, &err) == DAAS_OK);
}

static void check_response(const daas_http_resp *resp)
{
    int status = daas_http_capture_status(resp);
    size_t len;
    const char *body = daas_http_capture_body(resp, &len);
    CHECK(status >= 200 && status < 600);
    if (status < 400)
        return;
    json_t *st = json_loadb(body, len, 0, NULL);
    CHECK(json_is_object(st));
    CHECK(json_is_string(json_object_get(st, "kind")) &&
          strcmp(json_string_value(json_object_get(st, "kind")), "Status") == 0);
    CHECK(json_integer_value(json_object_get(st, "code")) == status);
    CHECK(json_is_string(json_object_get(st, "reason")));
    json_decref(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    daas_http_parsed p;
    size_t used = 0;
    daas_http_limits lim = {0};
    if (daas_http_parse(data, size, &lim, &p, &used, NULL) != DAAS_OK)
        return 0;
    if (strstr(p.req.query, "watch") == NULL) {
        daas_http_resp *resp = daas_http_capture_new();
        daas_api_handle(api, &p.req, resp);
        check_response(resp);
        daas_http_capture_free(&resp);
    }
    daas_http_parsed_fini(&p);
    return 0;
}
