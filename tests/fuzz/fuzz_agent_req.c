/*
 * fuzz_agent_req.c: libFuzzer target for what the agent's endpoint parses out of a request
 * before touching any container (src/agent/serve*.c): the /{ns}/{pod}/{container} path and
 * podUID, PodLogOptions, exec's command list, the WebSocket sub-protocol offer.
 *
 * Owns:   nothing. Input: "<path after /containerLogs/>\n<query>". Besides "no crash, no
 * leak, no UB", it checks properties:
 *   - an accepted target has three non-empty names without '/' and a podUID;
 *   - accepted log options are in range (tailLines >= -1, limitBytes >= 0, since >= 0);
 *   - an accepted command has 1..256 arguments; every refusal carries a message;
 *   - the protocol version is 0, 4 or 5.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/serve_int.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_target(const char *rest, const char *query)
{
    daas_agent__target t;
    daas_err err = {0};
    if (daas_agent__target_parse(rest, query, &t, &err) == DAAS_OK) {
        CHECK(t.ns[0] && t.pod[0] && t.ctr[0] && t.uid != NULL);
        CHECK(!strchr(t.ns, '/') && !strchr(t.pod, '/') && !strchr(t.ctr, '/'));
        daas_agent__target_fini(&t);
    } else {
        CHECK(err.msg[0] != '\0');
    }
}

static void check_opts(const char *query)
{
    daas_crilog_opts o;
    bool follow, previous;
    daas_err err = {0};
    if (daas_agent__log_opts(query, &o, &follow, &previous, &err) == DAAS_OK) {
        CHECK(o.tail_lines >= -1 && o.limit_bytes >= 0 && o.since_ns >= 0);
    } else {
        CHECK(err.msg[0] != '\0');
    }
}

static void check_command(const char *query)
{
    char **argv = NULL;
    daas_err err = {0};
    if (daas_agent__exec_command(query, &argv, &err) == DAAS_OK) {
        size_t n = 0;
        while (argv[n] != NULL)
            n++;
        CHECK(n >= 1 && n <= 256);
        daas_rt_strv_free(&argv);
    } else {
        CHECK(err.msg[0] != '\0' && argv == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = daas_xstrndup((const char *)data, size); /* stops at a NUL, as paths do */
    char *nl = strchr(s, '\n');
    const char *query = "";
    if (nl != NULL) {
        *nl = '\0';
        query = nl + 1;
    }
    check_target(s, query);
    check_opts(query);
    check_command(query);
    int v = daas_agent__ws_version(query);
    CHECK(v == 0 || v == 4 || v == 5);
    bool b = true;
    daas_err err = {0};
    int rc = daas_agent__query_bool(query, "stdin", &b, &err);
    CHECK(rc == DAAS_OK || (rc == DAAS_EINVAL && !b && err.msg[0] != '\0'));
    daas_free(s);
    return 0;
}
