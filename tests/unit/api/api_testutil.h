/*
 * api_testutil.h: an API over a SQLite store in a temporary directory, driven in process
 * through capture responses (header-only, static): anonymous requests act as admin.
 */
#ifndef DAAS_TEST_API_TESTUTIL_H
#define DAAS_TEST_API_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api/api.h"
#include "api/http.h"
#include "common/alloc.h"
#include "store/store.h"

typedef struct apit {
    char dir[64];
    daas_store *store;
    daas_api *api;
    char headers[4096]; /* the extra headers of the last apit_call */
} apit;

static int apit_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* Opens the store and starts the API (which creates namespace default). */
static void apit_open(apit *t, const char *name)
{
    daas_err e = {0};
    char path[128];
    snprintf(t->dir, sizeof t->dir, "/tmp/daas-%s.XXXXXX", name);
    assert_non_null(mkdtemp(t->dir));
    snprintf(path, sizeof path, "%s/state.db", t->dir);
    daas_store_opts so = {.compact_interval_s = 0};
    assert_int_equal(daas_store_open_sqlite(path, &so, &t->store, &e), DAAS_OK);
    daas_api_config ac = {.store = t->store, .allow_anonymous = true};
    assert_int_equal(daas_api_new(&ac, &t->api, &e), DAAS_OK);
    assert_int_equal(daas_api_start(t->api, &e), DAAS_OK);
}

static void apit_close(apit *t)
{
    daas_api_stop(t->api);
    daas_api_free(&t->api);
    daas_store_close(&t->store);
    nftw(t->dir, apit_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* One request through the API handler; returns the status, the JSON reply in *out (NULL:
 * dropped), the extra headers in t->headers. */
static int apit_call(apit *t, const char *method, const char *path, const char *query,
                     const char *ctype, const char *body, json_t **out)
{
    daas_http_header h[] = {{"Content-Type", ctype ? ctype : "application/json"},
                            {"User-Agent", "kubectl/v1.32"}};
    daas_http_req req = {.method = method,
                         .target = path,
                         .path = path,
                         .query = query ? query : "",
                         .headers = h,
                         .nheaders = 2,
                         .body = DAAS_BYTES(body ? body : "", body ? strlen(body) : 0),
                         .remote = "127.0.0.1:1"};
    daas_http_resp *resp = daas_http_capture_new();
    daas_api_handle(t->api, &req, resp);
    int status = daas_http_capture_status(resp);
    size_t len = 0;
    const char *b = daas_http_capture_body(resp, &len);
    snprintf(t->headers, sizeof t->headers, "%s", daas_http_capture_headers(resp));
    if (out) {
        *out = json_loadb(b, len, 0, NULL);
        assert_non_null(*out);
    }
    daas_http_capture_free(&resp);
    return status;
}

#endif
