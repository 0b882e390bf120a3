/*
 * whoami.c: SelfSubjectReview (authentication.k8s.io/v1), what `kubectl auth whoami` asks:
 * the server tells the caller who it authenticated them as. For a wallet user that is
 * "sui:0x<address>" with the stake role in its groups.
 *
 * Owns:   the one path below; the request body is not read (the answer depends only on the
 *         authenticated user), so no decoder is involved.
 * Invariants: open to every authenticated user, as in kube-apiserver; only POST.
 * Spec:   k8s.io/api/authentication/v1 SelfSubjectReview.
 */
#include <string.h>

#include "api/api_int.h"
#include "common/util.h"

#define SSR_PATH "/apis/authentication.k8s.io/v1/selfsubjectreviews"

bool daas_api__serve_whoami(daas_api__req *r, const char *path)
{
    if (strcmp(path, SSR_PATH) != 0)
        return false;
    if (strcmp(r->http->method, "POST") != 0) {
        daas_err e = {0};
        daas_fail(&e, DAAS_EMETHOD, "the server does not allow this method on the requested "
                                    "resource");
        daas_api__respond_err(r, &e);
        return true;
    }
    char ts[32];
    daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
    json_t *groups = json_array();
    for (int i = 0; i < r->user.ngroups; i++)
        json_array_append_new(groups, json_string(r->user.groups[i]));
    json_t *obj = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s, s:o}}}", "kind",
                            "SelfSubjectReview", "apiVersion", "authentication.k8s.io/v1",
                            "metadata", "creationTimestamp", ts, "status", "userInfo",
                            "username", r->user.name, "uid", r->user.uid, "groups", groups);
    daas_api__respond_obj(r, 201, obj);
    json_decref(obj);
    return true;
}
