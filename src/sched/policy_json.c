/*
 * policy_json.c: builds a PodSecurityView from a Pod object or a pod template (jansson).
 *
 * Owns:   daas_sched_policy_view_from_json, daas_sched_policy_levels_from_labels.
 * Not:    the checks (policy_pss.c), the wire form (policy.c).
 * Invariants: strings are borrowed from the JSON; arrays live in the view's arena; unknown
 *             fields are ignored; a field of the wrong type is DAAS_EINVAL naming its path.
 * Spec:   policy.h; Kubernetes core/v1 PodSpec, SecurityContext, PodSecurityContext, Volume.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sched/policy.h"
#include "sched/sched_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define NITRO "aws.ec2.nitro/nitro_enclaves"
#define APPARMOR_PREFIX "container.apparmor.security.beta.kubernetes.io/"

typedef struct jb {
    daas_sched__chunk *mem;
    daas_err *err;
} jb;

static int bad_type(jb *b, const char *path, const char *want)
{
    return daas_fail(b->err, DAAS_EINVAL, "policy: %s must be %s", path, want);
}

/* obj[key] as an object (NULL when absent or null). */
static int get_obj(jb *b, const json_t *obj, const char *key, const char *path, json_t **out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return DAAS_OK;
    if (!json_is_object(v))
        return bad_type(b, path, "an object");
    *out = v;
    return DAAS_OK;
}

static int get_arr(jb *b, const json_t *obj, const char *key, const char *path, size_t max,
                   json_t **out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return DAAS_OK;
    if (!json_is_array(v))
        return bad_type(b, path, "an array");
    if (json_array_size(v) > max)
        return daas_fail(b->err, DAAS_ETOOBIG, "policy: %s has %zu entries (at most %zu)", path,
                         json_array_size(v), max);
    *out = v;
    return DAAS_OK;
}

static int get_str(jb *b, const json_t *obj, const char *key, const char *path, const char **out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return DAAS_OK;
    if (!json_is_string(v))
        return bad_type(b, path, "a string");
    *out = json_string_value(v);
    return DAAS_OK;
}

static int get_tri(jb *b, const json_t *obj, const char *key, const char *path, int8_t *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *out = DAAS_SCHED_UNSET;
    if (v == NULL || json_is_null(v))
        return DAAS_OK;
    if (!json_is_boolean(v))
        return bad_type(b, path, "a boolean");
    *out = json_is_true(v) ? DAAS_SCHED_TRUE : DAAS_SCHED_FALSE;
    return DAAS_OK;
}

static int get_flag(jb *b, const json_t *obj, const char *key, const char *path, bool *out)
{
    int8_t t = DAAS_SCHED_UNSET;
    int rc = get_tri(b, obj, key, path, &t);
    *out = t == DAAS_SCHED_TRUE;
    return rc;
}

/* A string list of at most DAAS_SCHED_POLICY_MAX_LIST entries. */
static int get_strs(jb *b, const json_t *obj, const char *key, const char *path,
                    const char *const **out, size_t *n)
{
    json_t *a = NULL;
    int rc = get_arr(b, obj, key, path, DAAS_SCHED_POLICY_MAX_LIST, &a);
    *out = NULL;
    *n = a ? json_array_size(a) : 0;
    if (rc != DAAS_OK || *n == 0)
        return rc;
    const char **v = daas_sched__arena_alloc(&b->mem, *n * sizeof(*v));
    for (size_t i = 0; i < *n; i++) {
        if (!json_is_string(json_array_get(a, i)))
            return bad_type(b, path, "a list of strings");
        v[i] = json_string_value(json_array_get(a, i));
    }
    *out = v;
    return DAAS_OK;
}

static int get_selinux(jb *b, const json_t *sc, const char *path, daas_sched_secctx *s)
{
    json_t *o = NULL;
    int rc = get_obj(b, sc, "seLinuxOptions", path, &o);
    s->has_selinux = o != NULL;
    if (rc == DAAS_OK && o != NULL) {
        rc = get_str(b, o, "type", "seLinuxOptions.type", &s->se_type);
        if (rc == DAAS_OK)
            rc = get_str(b, o, "user", "seLinuxOptions.user", &s->se_user);
        if (rc == DAAS_OK)
            rc = get_str(b, o, "role", "seLinuxOptions.role", &s->se_role);
        s->se_type = s->se_type ? s->se_type : "";
        s->se_user = s->se_user ? s->se_user : "";
        s->se_role = s->se_role ? s->se_role : "";
    }
    return rc;
}

static int get_run_as_user(jb *b, const json_t *sc, daas_sched_secctx *s)
{
    json_t *v = sc ? json_object_get(sc, "runAsUser") : NULL;
    if (v == NULL || json_is_null(v))
        return DAAS_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad_type(b, "securityContext.runAsUser", "a non-negative integer");
    s->has_run_as_user = true;
    s->run_as_user = (uint64_t)json_integer_value(v);
    return DAAS_OK;
}

static int get_profile_type(jb *b, const json_t *sc, const char *key, const char **out)
{
    json_t *o = NULL;
    int rc = get_obj(b, sc, key, key, &o);
    *out = NULL;
    if (rc == DAAS_OK && o != NULL) {
        rc = get_str(b, o, "type", key, out);
        if (rc == DAAS_OK && *out == NULL)
            *out = ""; /* a profile without a type is not an allowed one */
    }
    return rc;
}

/* The fields pod and container security contexts share. */
static int get_secctx(jb *b, const json_t *sc, daas_sched_secctx *s)
{
    json_t *win = NULL;
    memset(s, 0, sizeof(*s));
    s->run_as_non_root = s->host_process = DAAS_SCHED_UNSET;
    int rc = get_tri(b, sc, "runAsNonRoot", "securityContext.runAsNonRoot", &s->run_as_non_root);
    if (rc == DAAS_OK)
        rc = get_run_as_user(b, sc, s);
    if (rc == DAAS_OK)
        rc = get_profile_type(b, sc, "seccompProfile", &s->seccomp);
    if (rc == DAAS_OK)
        rc = get_profile_type(b, sc, "appArmorProfile", &s->apparmor);
    if (rc == DAAS_OK)
        rc = get_selinux(b, sc, "securityContext.seLinuxOptions", s);
    if (rc == DAAS_OK)
        rc = get_obj(b, sc, "windowsOptions", "securityContext.windowsOptions", &win);
    if (rc == DAAS_OK)
        rc = get_tri(b, win, "hostProcess", "windowsOptions.hostProcess", &s->host_process);
    return rc;
}

static int get_caps(jb *b, const json_t *sc, daas_sched_pcontainer *c)
{
    json_t *caps = NULL;
    int rc = get_obj(b, sc, "capabilities", "securityContext.capabilities", &caps);
    c->has_caps = caps != NULL;
    if (rc == DAAS_OK && caps != NULL)
        rc = get_strs(b, caps, "add", "capabilities.add", &c->cap_add, &c->n_cap_add);
    if (rc == DAAS_OK && caps != NULL)
        rc = get_strs(b, caps, "drop", "capabilities.drop", &c->cap_drop, &c->n_cap_drop);
    return rc;
}

static int get_ports(jb *b, const json_t *cj, daas_sched_pcontainer *c)
{
    json_t *ports = NULL;
    int rc = get_arr(b, cj, "ports", "ports", DAAS_SCHED_POLICY_MAX_LIST, &ports);
    size_t n = ports ? json_array_size(ports) : 0;
    uint32_t *v = n ? daas_sched__arena_alloc(&b->mem, n * sizeof(*v)) : NULL;
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        json_t *p = json_array_get(ports, i), *hp = NULL;
        if (!json_is_object(p))
            return bad_type(b, "ports[]", "an object");
        hp = json_object_get(p, "hostPort");
        if (hp == NULL || json_is_null(hp))
            continue;
        if (!json_is_integer(hp) || json_integer_value(hp) < 0 || json_integer_value(hp) > 65535)
            return bad_type(b, "ports[].hostPort", "an integer 0..65535");
        if (json_integer_value(hp) != 0)
            v[c->n_host_ports++] = (uint32_t)json_integer_value(hp);
    }
    c->host_ports = v;
    return rc;
}

/* A quantity of the extended resource is positive: a number > 0, or a string that is not
 * all zeros ("0", "0.0"). */
static bool qty_positive(const json_t *q)
{
    if (json_is_integer(q))
        return json_integer_value(q) > 0;
    if (json_is_real(q))
        return json_real_value(q) > 0;
    if (!json_is_string(q))
        return false;
    for (const char *s = json_string_value(q); *s; s++)
        if (*s >= '1' && *s <= '9')
            return true;
    return false;
}

static int get_nitro(jb *b, const json_t *cj, daas_sched_pcontainer *c)
{
    json_t *res = NULL, *part = NULL;
    int rc = get_obj(b, cj, "resources", "resources", &res);
    const char *const parts[] = {"requests", "limits"};
    for (size_t i = 0; rc == DAAS_OK && i < 2; i++) {
        rc = get_obj(b, res, parts[i], parts[i], &part);
        json_t *q = part ? json_object_get(part, NITRO) : NULL;
        if (q != NULL && qty_positive(q))
            c->nitro = true;
    }
    return rc;
}

static int get_container(jb *b, const json_t *cj, uint8_t kind, daas_sched_pcontainer *c)
{
    json_t *sc = NULL;
    if (!json_is_object(cj))
        return bad_type(b, "spec.containers[]", "an object");
    c->kind = kind;
    int rc = get_str(b, cj, "name", "container name", &c->name);
    if (rc == DAAS_OK && c->name == NULL)
        rc = daas_fail(b->err, DAAS_EINVAL, "policy: a container has no name");
    if (rc == DAAS_OK)
        rc = get_str(b, cj, "image", "image", &c->image);
    c->image = c->image ? c->image : "";
    if (rc == DAAS_OK)
        rc = get_obj(b, cj, "securityContext", "securityContext", &sc);
    if (rc == DAAS_OK)
        rc = get_secctx(b, sc, &c->sec);
    if (rc == DAAS_OK)
        rc = get_tri(b, sc, "privileged", "securityContext.privileged", &c->privileged);
    if (rc == DAAS_OK)
        rc = get_tri(b, sc, "allowPrivilegeEscalation", "securityContext.allowPrivilegeEscalation",
                     &c->allow_priv_esc);
    if (rc == DAAS_OK)
        rc = get_caps(b, sc, c);
    if (rc == DAAS_OK)
        rc = get_str(b, sc, "procMount", "securityContext.procMount", &c->proc_mount);
    if (rc == DAAS_OK)
        rc = get_ports(b, cj, c);
    if (rc == DAAS_OK)
        rc = get_nitro(b, cj, c);
    return rc;
}

static int get_containers(jb *b, const json_t *spec, daas_sched_policy_view *v)
{
    static const char *const keys[] = {"initContainers", "containers", "ephemeralContainers"};
    json_t *a[3] = {NULL, NULL, NULL};
    size_t total = 0;
    int rc = DAAS_OK;
    for (size_t k = 0; rc == DAAS_OK && k < 3; k++) {
        rc = get_arr(b, spec, keys[k], keys[k], DAAS_SCHED_POLICY_MAX_CONTAINERS, &a[k]);
        total += a[k] ? json_array_size(a[k]) : 0;
    }
    if (rc == DAAS_OK && total > DAAS_SCHED_POLICY_MAX_CONTAINERS)
        rc = daas_fail(b->err, DAAS_ETOOBIG, "policy: %zu containers (at most %d)", total,
                       DAAS_SCHED_POLICY_MAX_CONTAINERS);
    if (rc != DAAS_OK || total == 0)
        return rc;
    daas_sched_pcontainer *c = daas_sched__arena_alloc(&b->mem, total * sizeof(*c));
    size_t n = 0;
    for (size_t k = 0; rc == DAAS_OK && k < 3; k++)
        for (size_t i = 0; rc == DAAS_OK && a[k] && i < json_array_size(a[k]); i++)
            rc = get_container(b, json_array_get(a[k], i), (uint8_t)k, &c[n++]);
    v->containers = c;
    v->n_containers = n;
    return rc;
}

static const struct {
    const char *key;
    uint8_t source;
} vol_sources[] = {
    {"hostPath", DAAS_SCHED_VOL_HOST_PATH},
    {"configMap", DAAS_SCHED_VOL_CONFIG_MAP},
    {"csi", DAAS_SCHED_VOL_CSI},
    {"downwardAPI", DAAS_SCHED_VOL_DOWNWARD_API},
    {"emptyDir", DAAS_SCHED_VOL_EMPTY_DIR},
    {"ephemeral", DAAS_SCHED_VOL_EPHEMERAL},
    {"persistentVolumeClaim", DAAS_SCHED_VOL_PVC},
    {"projected", DAAS_SCHED_VOL_PROJECTED},
    {"secret", DAAS_SCHED_VOL_SECRET},
};

/* The source of one volume: a known kind, else OTHER with the first other field's name. */
static int get_volume(jb *b, const json_t *vj, daas_sched_pvolume *v)
{
    if (!json_is_object(vj))
        return bad_type(b, "spec.volumes[]", "an object");
    int rc = get_str(b, vj, "name", "volume name", &v->name);
    if (rc == DAAS_OK && v->name == NULL)
        return daas_fail(b->err, DAAS_EINVAL, "policy: a volume has no name");
    v->detail = "";
    for (size_t i = 0; rc == DAAS_OK && i < N_OF(vol_sources); i++) {
        json_t *s = json_object_get(vj, vol_sources[i].key);
        if (s == NULL || json_is_null(s))
            continue;
        v->source = vol_sources[i].source;
        if (v->source == DAAS_SCHED_VOL_HOST_PATH) {
            json_t *hp = NULL;
            rc = get_obj(b, vj, "hostPath", "volume hostPath", &hp);
            if (rc == DAAS_OK)
                rc = get_str(b, hp, "path", "hostPath.path", &v->detail);
            v->detail = v->detail && v->detail[0] ? v->detail : "/";
        }
        return rc;
    }
    v->source = DAAS_SCHED_VOL_OTHER;
    v->detail = "unknown";
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)vj, key, val)
    {
        if (strcmp(key, "name") != 0 && !json_is_null(val)) {
            v->detail = key;
            break;
        }
    }
    return rc;
}

static int get_volumes(jb *b, const json_t *spec, daas_sched_policy_view *v)
{
    json_t *a = NULL;
    int rc = get_arr(b, spec, "volumes", "spec.volumes", DAAS_SCHED_POLICY_MAX_VOLUMES, &a);
    size_t n = a ? json_array_size(a) : 0;
    if (rc != DAAS_OK || n == 0)
        return rc;
    daas_sched_pvolume *vol = daas_sched__arena_alloc(&b->mem, n * sizeof(*vol));
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = get_volume(b, json_array_get(a, i), &vol[i]);
    v->volumes = vol;
    v->n_volumes = n;
    return rc;
}

static int cmp_annotation(const void *a, const void *b)
{
    return strcmp(((const daas_sched_annotation *)a)->key, ((const daas_sched_annotation *)b)->key);
}

static int get_annotations(jb *b, const json_t *obj, daas_sched_policy_view *v)
{
    json_t *meta = NULL, *ann = NULL, *val;
    const char *key;
    int rc = get_obj(b, obj, "metadata", "metadata", &meta);
    if (rc == DAAS_OK)
        rc = get_obj(b, meta, "annotations", "metadata.annotations", &ann);
    if (rc != DAAS_OK || ann == NULL)
        return rc;
    daas_sched_annotation *a = NULL;
    size_t n = 0;
    json_object_foreach(ann, key, val)
    {
        if (strncmp(key, APPARMOR_PREFIX, strlen(APPARMOR_PREFIX)) != 0)
            continue;
        if (!json_is_string(val))
            return bad_type(b, "metadata.annotations values", "strings");
        if (n == DAAS_SCHED_POLICY_MAX_LIST)
            return daas_fail(b->err, DAAS_ETOOBIG, "policy: over %d AppArmor annotations",
                             DAAS_SCHED_POLICY_MAX_LIST);
        if (a == NULL)
            a = daas_sched__arena_alloc(&b->mem, DAAS_SCHED_POLICY_MAX_LIST * sizeof(*a));
        a[n++] = (daas_sched_annotation){key, json_string_value(val)};
    }
    if (n > 1)
        qsort(a, n, sizeof(*a), cmp_annotation);
    v->annotations = a;
    v->n_annotations = n;
    return DAAS_OK;
}

static int get_sysctls(jb *b, const json_t *psc, daas_sched_policy_view *v)
{
    json_t *a = NULL;
    int rc = get_arr(b, psc, "sysctls", "securityContext.sysctls", DAAS_SCHED_POLICY_MAX_LIST, &a);
    size_t n = a ? json_array_size(a) : 0;
    if (rc != DAAS_OK || n == 0)
        return rc;
    const char **names = daas_sched__arena_alloc(&b->mem, n * sizeof(*names));
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        json_t *s = json_array_get(a, i);
        if (!json_is_object(s))
            return bad_type(b, "securityContext.sysctls[]", "an object");
        rc = get_str(b, s, "name", "sysctls[].name", &names[i]);
        if (rc == DAAS_OK && names[i] == NULL)
            rc = daas_fail(b->err, DAAS_EINVAL, "policy: a sysctl has no name");
    }
    v->sysctls = names;
    v->n_sysctls = n;
    return rc;
}

static int get_os(jb *b, const json_t *spec, daas_sched_policy_view *v)
{
    json_t *os = NULL;
    const char *name = NULL;
    int rc = get_obj(b, spec, "os", "spec.os", &os);
    if (rc == DAAS_OK)
        rc = get_str(b, os, "name", "spec.os.name", &name);
    v->windows = name != NULL && strcmp(name, "windows") == 0;
    return rc;
}

static int get_pod(jb *b, const json_t *obj, daas_sched_policy_view *v)
{
    json_t *spec = NULL, *psc = NULL;
    if (!json_is_object(obj))
        return bad_type(b, "the pod", "an object");
    int rc = get_obj(b, obj, "spec", "spec", &spec);
    if (rc == DAAS_OK)
        rc = get_obj(b, spec, "securityContext", "spec.securityContext", &psc);
    if (rc == DAAS_OK)
        rc = get_secctx(b, psc, &v->sec);
    if (rc == DAAS_OK)
        rc = get_sysctls(b, psc, v);
    if (rc == DAAS_OK)
        rc = get_flag(b, spec, "hostNetwork", "spec.hostNetwork", &v->host_network);
    if (rc == DAAS_OK)
        rc = get_flag(b, spec, "hostPID", "spec.hostPID", &v->host_pid);
    if (rc == DAAS_OK)
        rc = get_flag(b, spec, "hostIPC", "spec.hostIPC", &v->host_ipc);
    if (rc == DAAS_OK)
        rc = get_os(b, spec, v);
    if (rc == DAAS_OK)
        rc = get_annotations(b, obj, v);
    if (rc == DAAS_OK)
        rc = get_volumes(b, spec, v);
    if (rc == DAAS_OK)
        rc = get_containers(b, spec, v);
    return rc;
}

/* Contract in policy.h. */
int daas_sched_policy_view_from_json(const void *obj, daas_sched_policy_view *view, daas_err *err)
{
    jb b = {.err = err};
    memset(view, 0, sizeof(*view));
    int rc = obj == NULL ? daas_fail(err, DAAS_EINVAL, "policy: no pod") : get_pod(&b, obj, view);
    return daas_sched__arena_finish(rc, b.mem, view, sizeof(*view), &view->_mem);
}

/* One level label: absent -> privileged, invalid -> on_bad (counted in *bad). */
static uint8_t level_of(const json_t *labels, const char *key, uint8_t on_bad, size_t *bad)
{
    static const char *const names[] = {"privileged", "baseline", "restricted"};
    json_t *v = labels ? json_object_get(labels, key) : NULL;
    if (v == NULL)
        return DAAS_SCHED_PSS_PRIVILEGED;
    for (uint8_t i = 0; json_is_string(v) && i < N_OF(names); i++)
        if (strcmp(json_string_value(v), names[i]) == 0)
            return i;
    (*bad)++;
    return on_bad;
}

/* Contract in policy.h. */
size_t daas_sched_policy_levels_from_labels(const void *labels, uint8_t *enforce, uint8_t *warn,
                                            uint8_t *audit)
{
    size_t bad = 0;
    const json_t *l = json_is_object((const json_t *)labels) ? labels : NULL;
    /* as api.PolicyToEvaluate: enforce fails closed, warn and audit fail open */
    *enforce = level_of(l, "pod-security.kubernetes.io/enforce", DAAS_SCHED_PSS_RESTRICTED, &bad);
    *warn = level_of(l, "pod-security.kubernetes.io/warn", DAAS_SCHED_PSS_PRIVILEGED, &bad);
    *audit = level_of(l, "pod-security.kubernetes.io/audit", DAAS_SCHED_PSS_PRIVILEGED, &bad);
    return bad;
}
