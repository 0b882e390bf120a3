/*
 * fuzz_podres.c: libFuzzer target for what the agent reads from a pod's owner (untrusted):
 * a container's env/envFrom (valueFrom refs, fieldRef paths, resourceFieldRef quantities,
 * $(VAR) expansion) through daas_agent_podres_env, and the docker config of an
 * imagePullSecret through daas_agent_podres_pull_creds (src/agent/podres*.c). Objects come
 * from a fetch seam; nothing touches the filesystem or the network.
 *
 * Owns:   nothing. Besides "no crash, no leak, no UB", it checks properties:
 *   - env: on success every entry is "NAME=VALUE" with a non-empty name; on failure the
 *     caller's list is untouched and err carries a message;
 *   - pull credentials: never an error for a bad config (no credentials instead), user and
 *     password come together.
 * Input: the first byte picks the mode (even: env, odd: docker config); the rest is the
 * container's JSON (env) or the .dockerconfigjson text (docker config).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/podres.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"

static const uint8_t *cfg_data; /* the docker config of this input */
static size_t cfg_len;

static int fetch(void *ctx, const char *resource, const char *ns, const char *name, json_t **out,
                 daas_err *err)
{
    (void)ctx, (void)ns;
    if (strcmp(resource, "configmaps") == 0 && strcmp(name, "cfg") == 0) {
        *out = json_pack("{s:{s:s,s:s},s:{s:s}}", "data", "k", "v", "X", "$(k)", "binaryData", "b",
                         "AAEC");
        return DAAS_OK;
    }
    if (strcmp(resource, "secrets") == 0 && strcmp(name, "sec") == 0) {
        *out = json_pack("{s:{s:s,s:s}}", "data", "password", "aHVudGVyMg==", "bad", "!!");
        return DAAS_OK;
    }
    if (strcmp(resource, "secrets") == 0 && strcmp(name, "pull") == 0) {
        char *b64 = daas_base64_encode(cfg_data, cfg_len);
        *out = json_pack("{s:s,s:{s:s}}", "type", "kubernetes.io/dockerconfigjson", "data",
                         ".dockerconfigjson", b64);
        daas_free(b64);
        return DAAS_OK;
    }
    return daas_fail(err, DAAS_ENOTFOUND, "not found");
}

static json_t *pod_of(json_t *container)
{
    json_t *pod = json_pack("{s:{s:s,s:s,s:s,s:{s:s}},s:{s:s,s:[o],s:[{s:s},{s:s}]}}", "metadata",
                            "name", "p", "namespace", "ns", "uid", "u1", "labels", "app", "a",
                            "spec", "nodeName", "n1", "containers", container, "imagePullSecrets",
                            "name", "ghost", "name", "pull");
    if (pod == NULL)
        abort();
    return pod;
}

static void fuzz_env(const uint8_t *p, size_t n, daas_agent_podres *r)
{
    json_t *c = json_loadb((const char *)p, n, 0, NULL);
    if (!json_is_object(c)) {
        json_decref(c);
        return;
    }
    json_t *pod = pod_of(c);
    char **kv = NULL;
    size_t nkv = 0;
    daas_err err = {0};
    int rc = daas_agent_podres_env(
        r, pod, json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0), &kv,
        &nkv, &err);
    if (rc != DAAS_OK && (kv != NULL || nkv != 0 || err.msg[0] == '\0'))
        abort();
    for (size_t i = 0; i < nkv; i++) {
        const char *eq = strchr(kv[i], '=');
        if (eq == NULL || eq == kv[i])
            abort();
        daas_free(kv[i]);
    }
    if (rc == DAAS_OK && nkv > 0 && kv[nkv] != NULL)
        abort();
    daas_free(kv);
    json_decref(pod);
}

static void fuzz_pull(const uint8_t *p, size_t n, daas_agent_podres *r)
{
    static const char *const images[] = {"127.0.0.1:5000/a/b:1", "busybox",
                                         "reg.corp.example/team/x@sha256:"
                                         "0000000000000000000000000000000000000000000000000000"
                                         "000000000000"};
    json_t *pod = pod_of(json_pack("{s:s}", "name", "c"));
    cfg_data = p;
    cfg_len = n;
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
        char *u = NULL, *pw = NULL;
        daas_err err = {0};
        int rc = daas_agent_podres_pull_creds(r, pod, images[i], &u, &pw, &err);
        if (rc != DAAS_OK || (u == NULL) != (pw == NULL))
            abort();
        daas_agent_podres_creds_free(&u, &pw);
    }
    json_decref(pod);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    daas_agent_podres_opts o = {.data_dir = "/nonexistent-daas-fuzz",
                                .node_name = "n1",
                                .host_ip = "10.0.0.1",
                                .fetch = fetch};
    daas_agent_podres *r = NULL;
    daas_log_set_level(DAAS_LOG_ERROR); /* the missing pull Secret's warning, every run */
    if (daas_agent_podres_new(&o, &r, NULL) != DAAS_OK)
        abort();
    if (data[0] % 2 == 0)
        fuzz_env(data + 1, size - 1, r);
    else
        fuzz_pull(data + 1, size - 1, r);
    daas_agent_podres_free(&r);
    return 0;
}
