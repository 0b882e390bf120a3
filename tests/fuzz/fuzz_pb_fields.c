/*
 * fuzz_pb_fields.c: libFuzzer target for the unknown-field walk (src/kube/pb_fields.c).
 *
 * Owns:   nothing. Input: byte 0 picks the kind (one past the list: a kind with no
 *         descriptor), byte 1 the options, the rest is a JSON document. Besides "no crash, no
 *         leak, no UB" it checks:
 *   - DAAS_OK exactly when the document is an object; known_kind exactly for listed kinds;
 *   - every reported path is NUL-terminated in its slot and valid UTF-8;
 *   - the options only ever tolerate more (found: SMP <= PATCH <= none);
 *   - the one-path entry point returns the first path of the plain walk (a top-level "" key,
 *     whose path is empty, as the two characters "").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kube/pb.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_pb_fields: check failed: %s (line %d)\n", #x, __LINE__);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAXP 4

static const char *const kinds[][2] = {{"v1", "Namespace"},
                                       {"v1", "Node"},
                                       {"v1", "Pod"},
                                       {"v1", "Service"},
                                       {"v1", "Endpoints"},
                                       {"v1", "ConfigMap"},
                                       {"v1", "Secret"},
                                       {"v1", "Event"},
                                       {"v1", "ServiceAccount"},
                                       {"apps/v1", "Deployment"},
                                       {"apps/v1", "ReplicaSet"},
                                       {"coordination.k8s.io/v1", "Lease"},
                                       {"example.com/v1", "Widget"}};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

/* One walk; checks the paths written. Returns the count found. */
static size_t walk(const char *av, const char *kind, const json_t *doc, unsigned opts,
                   char (*paths)[DAAS_KUBE_PB_PATH_MAX], bool unknown_kind)
{
    size_t found = 99;
    bool known = !unknown_kind;
    memset(paths, 0x5a, MAXP * DAAS_KUBE_PB_PATH_MAX);
    int rc = daas_kube_pb_unknown_fields(av, kind, doc, opts, paths, MAXP, &found, &known);
    CHECK(rc == (json_is_object(doc) ? DAAS_OK : DAAS_EINVAL));
    CHECK(found == 0 || rc == DAAS_OK);
    if (rc == DAAS_OK)
        CHECK(known == !unknown_kind);
    for (size_t i = 0; i < found && i < MAXP; i++) {
        CHECK(memchr(paths[i], 0, DAAS_KUBE_PB_PATH_MAX) != NULL);
        CHECK(valid_utf8(paths[i]));
    }
    return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char p0[MAXP][DAAS_KUBE_PB_PATH_MAX], p1[MAXP][DAAS_KUBE_PB_PATH_MAX];
    json_error_t jerr;
    if (size < 2)
        return 0;
    size_t ki = data[0] % NKINDS;
    const char *av = kinds[ki][0], *kind = kinds[ki][1];
    bool unknown_kind = ki == NKINDS - 1;
    unsigned opts = data[1] & 3;
    json_t *doc = json_loadb((const char *)data + 2, size - 2, JSON_DECODE_ANY, &jerr);
    if (doc == NULL)
        return 0;

    size_t n0 = walk(av, kind, doc, 0, p0, unknown_kind);
    size_t n1 = walk(av, kind, doc, opts, p1, unknown_kind);
    CHECK(n1 <= n0);
    size_t np = walk(av, kind, doc, DAAS_KUBE_PB_UF_PATCH, p1, unknown_kind);
    size_t ns = walk(av, kind, doc, DAAS_KUBE_PB_UF_SMP, p1, unknown_kind);
    CHECK(ns <= np && np <= n0);

    char one[DAAS_KUBE_PB_PATH_MAX];
    bool known = false;
    int rc = daas_kube_pb_unknown_field(av, kind, doc, one, sizeof one, &known);
    CHECK(rc == (json_is_object(doc) ? DAAS_OK : DAAS_EINVAL));
    if (rc == DAAS_OK)
        CHECK(strcmp(one, n0 == 0 ? "" : p0[0][0] ? p0[0] : "\"\"") == 0);
    json_decref(doc);
    return 0;
}
