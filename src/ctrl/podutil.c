/*
 * podutil.c: what the controllers' plans read alike from pods and owners (see podutil.h).
 *
 * Owns:   nothing; pure functions of their arguments.
 * Spec:   kubernetes pkg/api/v1/pod (IsPodReady, IsPodAvailable), pkg/controller
 *         (controller_utils.go: FilterActivePods), apimachinery metav1.GetControllerOf.
 */
#include "ctrl/podutil.h"

#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/obj.h"

const json_t *daas_ctrl_controller_ref(const json_t *obj)
{
    const json_t *refs = daas_kube_path(obj, "metadata.ownerReferences");
    size_t i;
    const json_t *r;

    if (!json_is_array(refs))
        return NULL;
    json_array_foreach(refs, i, r) {
        if (json_is_true(json_object_get(r, "controller")))
            return r;
    }
    return NULL;
}

json_t *daas_ctrl_owner_ref(const json_t *owner, const char *api_version, const char *kind)
{
    const char *name = daas_kube_str(owner, "metadata.name");
    const char *uid = daas_kube_str(owner, "metadata.uid");

    if (name == NULL || uid == NULL)
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "apiVersion", api_version, "kind", kind,
                     "name", name, "uid", uid, "controller", 1, "blockOwnerDeletion", 1);
}

int64_t daas_ctrl_time(const json_t *obj, const char *dotted)
{
    const char *s = daas_kube_str(obj, dotted);
    int64_t t = 0;

    if (s == NULL || daas_time_parse(s, &t) != DAAS_OK)
        return 0;
    return t;
}

bool daas_ctrl_pod_ready(const json_t *pod, int64_t *since)
{
    const json_t *conds = daas_kube_path(pod, "status.conditions");
    size_t i;
    const json_t *c;

    if (since != NULL)
        *since = 0;
    if (!json_is_array(conds))
        return false;
    json_array_foreach(conds, i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *st = json_string_value(json_object_get(c, "status"));
        if (type == NULL || strcmp(type, "Ready") != 0)
            continue;
        if (since != NULL)
            *since = daas_ctrl_time(c, "lastTransitionTime");
        return st != NULL && strcmp(st, "True") == 0;
    }
    return false;
}

bool daas_ctrl_pod_available(const json_t *pod, int64_t min_ready, int64_t now)
{
    int64_t since = 0;

    if (!daas_ctrl_pod_ready(pod, &since))
        return false;
    if (min_ready <= 0)
        return true;
    /* upstream: !ltt.IsZero() && ltt.Add(minReadySeconds).Before(now) */
    return since != 0 && since + min_ready < now;
}

bool daas_ctrl_pod_active(const json_t *pod)
{
    const char *phase = daas_kube_str(pod, "status.phase");

    if (daas_kube_path(pod, "metadata.deletionTimestamp") != NULL)
        return false;
    return phase == NULL || (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0);
}

bool daas_ctrl_owned_by(const json_t *obj, const char *uid)
{
    const json_t *ref = daas_ctrl_controller_ref(obj);
    const char *u = ref != NULL ? json_string_value(json_object_get(ref, "uid")) : NULL;
    return u != NULL && uid != NULL && strcmp(u, uid) == 0;
}
