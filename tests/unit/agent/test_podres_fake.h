/*
 * test_podres_fake.h: the fake API (fetch seam) and fake Seal opener (open seam) the podres
 * tests share, and a pod builder. Static definitions: include from one test file each.
 */
#ifndef DAAS_TEST_PODRES_FAKE_H
#define DAAS_TEST_PODRES_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/podres.h"
#include "common/alloc.h"

/* ---- the fake API and opener ---- */

/* Objects of namespace "ns" by resource/name; a Secret's values are base64. "sealed-*"
 * objects carry the seal annotation and values "SEALED:<plaintext value>" the fake opener
 * turns back. */
static const char *const objects[][2] = {
    {"configmaps/cfg", "{\"data\":{\"k\":\"from-cm\",\"X\":\"cm-x\",\"bad=name\":\"v\"},"
                       "\"binaryData\":{\"bin\":\"AAEC\"}}"},
    {"secrets/sec", "{\"data\":{\"password\":\"aHVudGVyMg==\",\"X\":\"c2VjLXg=\","
                    "\"nul\":\"YQBi\"}}"},
    {"secrets/sealed-sec", "{\"metadata\":{\"annotations\":{\"seal.daas.io/sealed\":\"v1\"}},"
                           "\"data\":{\"token\":\"SEALED:b3BlbmVk\"}}"},
    {"configmaps/broken", "{\"data\":{\"k\":7}}"},
    /* pull Secrets: 127.0.0.1:5000 u/p, index.docker.io hub/hubpw, *.corp.example w/wp,
     * reg.example/team team/tp, bad.example (an auth without ':') */
    {"secrets/pull",
     "{\"type\": \"kubernetes.io/dockerconfigjson\", \"data\": {\".dockerconfigjson\": "
     "\"eyJhdXRocyI6IHsiMTI3LjAuMC4xOjUwMDAiOiB7InVzZXJuYW1lIjogInUiLCAicGFzc3dvcmQiOiAicCJ9LCAi"
     "aHR0cHM6Ly9pbmRleC5kb2NrZXIuaW8vdjEvIjogeyJhdXRoIjogImFIVmlPbWgxWW5CMyJ9LCAiKi5jb3JwLmV4YW1w"
     "bGUiOiB7ImF1dGgiOiAiZHpwM2NBPT0ifSwgInJlZy5leGFtcGxlL3RlYW0iOiB7InVzZXJuYW1lIjogInRlYW0iLCAi"
     "cGFzc3dvcmQiOiAidHAifSwgImh0dHBzOi8vYmFkLmV4YW1wbGUvdjIvIjogeyJhdXRoIjogImJtOWpiMnh2Ymc9PSJ9"
     "fX0=\"}}"},
    /* old.example o/op */
    {"secrets/old", "{\"type\": \"kubernetes.io/dockercfg\", \"data\": {\".dockercfg\": "
                    "\"eyJvbGQuZXhhbXBsZSI6IHsiYXV0aCI6ICJienB2Y0E9PSJ9fQ==\"}}"},
    /* the same config in a Secret of another type: not used */
    {"secrets/opaque", "{\"type\": \"Opaque\", \"data\": {\".dockerconfigjson\": "
                       "\"eyJhdXRocyI6IHsiMTI3LjAuMC4xOjUwMDAiOiB7InVzZXJuYW1lIjogInUiLCAicGFzc3"
                       "dvcmQiOiAicCJ9fX0=\"}}"},
    /* sealed.example s/sp, sealed */
    {"secrets/sealed-pull",
     "{\"type\": \"kubernetes.io/dockerconfigjson\", \"metadata\": {\"annotations\": "
     "{\"seal.daas.io/sealed\": \"v1\"}}, \"data\": {\".dockerconfigjson\": \"SEALED:"
     "eyJhdXRocyI6IHsic2VhbGVkLmV4YW1wbGUiOiB7InVzZXJuYW1lIjogInMiLCAicGFzc3dvcmQiOiAic3AifX19\"}"
     "}"},
    {"configmaps/sealed-cm", "{\"metadata\":{\"annotations\":{\"seal.daas.io/sealed\":\"v1\"}},"
                             "\"data\":{\"dsn\":\"SEALED:postgres://db\"}}"},
};

static int fetches, opens, open_fail;

static inline int fake_fetch(void *ctx, const char *resource, const char *ns, const char *name,
                             json_t **out, daas_err *err)
{
    (void)ctx;
    char want[128];
    fetches++;
    snprintf(want, sizeof want, "%s/%s", resource, name);
    for (size_t i = 0; strcmp(ns, "ns") == 0 && i < sizeof objects / sizeof objects[0]; i++) {
        if (strcmp(objects[i][0], want) == 0) {
            *out = json_loads(objects[i][1], 0, NULL);
            assert_non_null(*out);
            return DAAS_OK;
        }
    }
    return daas_fail(err, DAAS_ENOTFOUND, "%s \"%s\" not found (API)", resource, name);
}

static inline int fake_open(void *ctx, json_t *obj, daas_err *err)
{
    (void)ctx;
    opens++;
    if (open_fail)
        return daas_fail(err, DAAS_EDENIED, "key servers refused: NoAccess");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(obj, "data"), k, v)
    {
        const char *s = json_string_value(v);
        assert_true(strncmp(s, "SEALED:", 7) == 0);
        json_object_set_new(json_object_get(obj, "data"), k, json_string(s + 7));
    }
    json_object_del(json_object_get(obj, "metadata"), "annotations");
    return DAAS_OK;
}

static inline daas_agent_podres *new_res_at(bool with_open, const char *data_dir)
{
    daas_agent_podres_opts o = {.data_dir = data_dir,
                                .node_name = "node-1",
                                .host_ip = "10.0.0.7",
                                .fetch = fake_fetch,
                                .open = with_open ? fake_open : NULL};
    daas_agent_podres *r = NULL;
    daas_err e = {0};
    assert_int_equal(daas_agent_podres_new(&o, &r, &e), DAAS_OK);
    fetches = opens = open_fail = 0;
    return r;
}

static inline daas_agent_podres *new_res(bool with_open)
{
    return new_res_at(with_open, "/nonexistent-daas-test");
}

static inline json_t *pod_with(const char *uid, const char *containers)
{
    char *s = daas_xasprintf("{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns\",\"uid\":\"%s\","
                             "\"labels\":{\"app\":\"shop\"},\"annotations\":{\"a.b/c\":\"note\"}},"
                             "\"spec\":{\"nodeName\":\"node-1\",\"serviceAccountName\":\"default\","
                             "\"containers\":%s},\"status\":{}}",
                             uid, containers);
    json_t *p = json_loads(s, 0, NULL);
    daas_free(s);
    assert_non_null(p);
    return p;
}

static inline const json_t *ctr0(const json_t *pod)
{
    return json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
}

#endif
