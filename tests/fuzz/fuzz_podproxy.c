/*
 * fuzz_podproxy.c: libFuzzer target for what the logs/exec proxy makes of a client's request
 * (src/api/podproxy.c): the agent URL from the client's query, the rewritten request head,
 * the upgrade kind, and the container choice over a pod given as JSON.
 *
 * Owns:   nothing. Input: raw bytes of one HTTP/1.1 request; when its body is JSON it is
 *         also used as the pod. Besides "no crash, no leak, no UB" it checks properties:
 *   - the agent URL holds only unreserved characters, '/', '?', '&', '=' and %XX escapes,
 *     and starts with the expected prefix (the client cannot inject a path or a header);
 *   - the head is one request line, Host, forwarded headers and a blank line: no
 *     Authorization, and exactly one "\r\n\r\n" before the body;
 *   - a chosen container is one of the pod's names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/http.h"
#include "api/podproxy.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_podproxy: check failed: %s (line %d)\n", #x, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_url(const char *u, const char *prefix)
{
    CHECK(u != NULL);
    CHECK(strncmp(u, prefix, strlen(prefix)) == 0);
    for (const char *p = u; *p; p++) {
        if (*p == '%') {
            CHECK(p[1] && p[2] && strchr("0123456789ABCDEF", p[1]) &&
                  strchr("0123456789ABCDEF", p[2]));
            continue;
        }
        CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/?&=%",
                     *p) != NULL);
    }
}

static void check_head(const daas_http_req *req, const char *url, bool upgrade)
{
    daas_buf b;
    daas_buf_init(&b, (size_t)1 << 22);
    if (daas_api__proxy_head(req, "GET", url, "10.0.0.1:10250", upgrade, &b, NULL) == DAAS_OK) {
        const char *end = strstr(b.data, "\r\n\r\n");
        CHECK(end != NULL);
        CHECK((size_t)(end + 4 - b.data) + req->body.len == b.len);
        for (const char *p = b.data; p < end; p = strstr(p, "\r\n") + 2)
            CHECK(strncasecmp(p, "Authorization:", 14) != 0);
    }
    daas_buf_fini(&b);
}

static void check_container(const daas_http_req *req)
{
    json_t *pod = json_loadb((const char *)req->body.ptr, req->body.len, 0, NULL);
    char *want = daas_http_query_get(req->query, "container");
    const char *c = NULL;
    if (pod != NULL && daas_api__proxy_container(pod, want, &c, NULL) == DAAS_OK) {
        CHECK(c != NULL);
        CHECK(want == NULL || want[0] == '\0' || strcmp(c, want) == 0);
    }
    daas_free(want);
    json_decref(pod);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_http_parsed p;
    size_t used = 0;
    daas_http_limits lim = {0};
    if (daas_http_parse(data, size, &lim, &p, &used, NULL) != DAAS_OK)
        return 0;
    for (int exec = 0; exec < 2; exec++) {
        char *u = daas_api__proxy_agent_path(exec, "ns", p.req.path, "uid", "c/../x", p.req.query);
        if (u != NULL) {
            check_url(u, exec ? "/exec/ns/" : "/containerLogs/ns/");
            check_head(&p.req, u, exec);
        }
        daas_free(u);
    }
    (void)daas_api__proxy_upgrade_kind(&p.req);
    check_container(&p.req);
    daas_http_parsed_fini(&p);
    return 0;
}
