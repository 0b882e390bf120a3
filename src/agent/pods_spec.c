/*
 * pods_spec.c: the pure parts of a container's run that come from its Pod: the process
 *              (command, args, env, working directory, user) on top of the image config,
 *              Kubernetes quantities, resource limits, the QoS class, the Nitro device.
 *
 * Owns:   nothing beyond the vectors it returns.
 * Invariants: malformed fields are errors naming them (they come from the API), never a
 *             crash; quantity parsing never overflows (DAAS_ETOOBIG).
 * Spec:   Kubernetes core/v1 Container (command/args vs Entrypoint/Cmd), resource.Quantity,
 *         PodQOSClass.
 */
#include "agent/pods.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"

#define MOD "pods"

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Appends a copy of s to the NULL-terminated *v of *n entries. */
static void strv_push(char ***v, size_t *n, const char *s)
{
    *v = daas_xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = daas_xstrdup(s);
    (*v)[*n] = NULL;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        daas_free(v[i]);
    daas_free(v);
}

/* Appends the strings of a JSON array; false when an element is not a string. */
static bool push_json_strs(char ***v, size_t *n, const json_t *a)
{
    size_t i;
    const json_t *s;
    json_array_foreach(a, i, s)
    {
        if (!json_is_string(s))
            return false;
        strv_push(v, n, json_string_value(s));
    }
    return true;
}

/* Sets "K=V" in env: replaces an entry with the same K, else appends. */
static void env_set(char ***v, size_t *n, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq != NULL ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*v)[i], kv, klen) == 0 && (*v)[i][klen] == '=') {
            daas_free((*v)[i]);
            (*v)[i] = daas_xstrdup(kv);
            return;
        }
    }
    strv_push(v, n, kv);
}

static int build_args(const json_t *c, const daas_image_cfg *cfg, daas_agent_pods_proc *out,
                      daas_err *err)
{
    const json_t *cmd = json_object_get(c, "command"), *args = json_object_get(c, "args");
    size_t n = 0;
    bool ok = true;
    if (json_array_size(cmd) > 0)
        ok = push_json_strs(&out->args, &n, cmd);
    else
        for (size_t i = 0; cfg != NULL && i < strv_len(cfg->entrypoint); i++)
            strv_push(&out->args, &n, cfg->entrypoint[i]);
    if (ok && json_array_size(args) > 0)
        ok = push_json_strs(&out->args, &n, args);
    else if (ok && json_array_size(cmd) == 0)
        for (size_t i = 0; cfg != NULL && i < strv_len(cfg->cmd); i++)
            strv_push(&out->args, &n, cfg->cmd[i]);
    if (!ok)
        return daas_fail(err, DAAS_EINVAL, "command and args must be arrays of strings");
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL,
                         "no command: neither the container nor the image names one");
    return DAAS_OK;
}

static void build_env(const json_t *c, const daas_image_cfg *cfg, daas_agent_pods_proc *out)
{
    size_t n = 0;
    for (size_t i = 0; cfg != NULL && i < strv_len(cfg->env); i++)
        env_set(&out->env, &n, cfg->env[i]);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *k = json_string_value(json_object_get(e, "name"));
        const json_t *v = json_object_get(e, "value");
        if (k == NULL || *k == '\0' || json_object_get(e, "valueFrom") != NULL)
            continue;
        char *kv = daas_xasprintf("%s=%s", k, json_is_string(v) ? json_string_value(v) : "");
        env_set(&out->env, &n, kv);
        daas_free(kv);
    }
    /* As containerd does: an image without PATH gets the default one. */
    bool has_path = false;
    for (size_t k = 0; k < n && !has_path; k++)
        has_path = strncmp(out->env[k], "PATH=", 5) == 0;
    if (!has_path)
        strv_push(&out->env, &n,
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

/* Parses a decimal id ("1000"); false for names. */
static bool parse_id(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void build_user(const json_t *c, const daas_image_cfg *cfg, daas_agent_pods_proc *out)
{
    if (cfg != NULL && cfg->user != NULL && *cfg->user != '\0') {
        const char *colon = strchr(cfg->user, ':');
        size_t ulen = colon != NULL ? (size_t)(colon - cfg->user) : strlen(cfg->user);
        if (parse_id(cfg->user, ulen, &out->uid)) {
            out->gid = out->uid;
            if (colon != NULL && !parse_id(colon + 1, strlen(colon + 1), &out->gid))
                out->gid = 0;
        } else {
            DAAS_WARN(MOD, "image user %s is not numeric: running as root", cfg->user);
        }
    }
    const json_t *sc = json_object_get(c, "securityContext");
    json_int_t u = json_integer_value(json_object_get(sc, "runAsUser"));
    json_int_t g = json_integer_value(json_object_get(sc, "runAsGroup"));
    if (json_is_integer(json_object_get(sc, "runAsUser")) && u >= 0 && u <= UINT32_MAX)
        out->uid = (uint32_t)u;
    if (json_is_integer(json_object_get(sc, "runAsGroup")) && g >= 0 && g <= UINT32_MAX)
        out->gid = (uint32_t)g;
}

int daas_agent_pods_proc_build(const json_t *container, const daas_image_cfg *cfg,
                               daas_agent_pods_proc *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = build_args(container, cfg, out, err);
    if (rc != DAAS_OK)
        return rc;
    build_env(container, cfg, out);
    const char *wd = json_string_value(json_object_get(container, "workingDir"));
    if (wd == NULL || *wd == '\0')
        wd = cfg != NULL ? cfg->working_dir : NULL;
    if (wd != NULL && *wd != '\0')
        out->cwd = daas_xstrdup(wd);
    build_user(container, cfg, out);
    return DAAS_OK;
}

void daas_agent_pods_proc_fini(daas_agent_pods_proc *p)
{
    strv_free(p->args);
    strv_free(p->env);
    daas_free(p->cwd);
    memset(p, 0, sizeof *p);
}

void daas_agent_pods_proc_setenv(daas_agent_pods_proc *p, const char *kv)
{
    size_t n = strv_len(p->env);
    env_set(&p->env, &n, kv);
}

/* ---- quantities ---- */

typedef struct suffix {
    const char *s;
    int64_t mul; /* binary and decimal multipliers */
    int exp10;   /* for m, u, n: a negative power of ten (mul 1) */
} suffix;

static const suffix suffixes[] = {
    {"Ki", 1LL << 10, 0},
    {"Mi", 1LL << 20, 0},
    {"Gi", 1LL << 30, 0},
    {"Ti", 1LL << 40, 0},
    {"Pi", 1LL << 50, 0},
    {"Ei", 1LL << 60, 0},
    {"k", 1000LL, 0},
    {"M", 1000000LL, 0},
    {"G", 1000000000LL, 0},
    {"T", 1000000000000LL, 0},
    {"P", 1000000000000000LL, 0},
    {"E", 1000000000000000000LL, 0},
    {"m", 1, -3},
    {"u", 1, -6},
    {"n", 1, -9},
    {"", 1, 0},
};

/* digits[.digits] (DAAS_OK, DAAS_EINVAL, DAAS_ETOOBIG) into an integer mantissa (below 2^66, so
 * that times a suffix of at most 2^60 it fits in 127 bits) and the count of fraction digits. */
static int parse_decimal(const char **sp, __int128 *mant, int *frac)
{
    const char *s = *sp;
    bool any = false, dot = false;
    *mant = 0;
    *frac = 0;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (*mant > ((__int128)1 << 62)) /* 19 significant digits are plenty */
                return DAAS_ETOOBIG;
            *mant = *mant * 10 + (*s - '0');
            *frac += dot;
            any = true;
        } else if (*s == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    *sp = s;
    return any && *frac <= 18 ? DAAS_OK : DAAS_EINVAL;
}

/* The suffix (or decimal exponent "e3"/"E-2") at s: multiplier and power of ten. */
static bool parse_suffix(const char *s, int64_t *mul, int *exp10)
{
    if ((s[0] == 'e' || s[0] == 'E') &&
        ((s[1] >= '0' && s[1] <= '9') || s[1] == '-' || s[1] == '+')) {
        char *end = NULL;
        long e = strtol(s + 1, &end, 10);
        if (*end != '\0' || e < -18 || e > 18)
            return false;
        *mul = 1;
        *exp10 = (int)e;
        return true;
    }
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (strcmp(s, suffixes[i].s) == 0) {
            *mul = suffixes[i].mul;
            *exp10 = suffixes[i].exp10;
            return true;
        }
    }
    return false;
}

int daas_agent_pods_quantity(const char *s, bool milli, int64_t *out, daas_err *err)
{
    const char *p = s != NULL ? s : "";
    __int128 mant;
    int frac, exp10;
    int64_t mul;
    if (*p == '+')
        p++;
    int rc = parse_decimal(&p, &mant, &frac);
    if (rc == DAAS_OK && !parse_suffix(p, &mul, &exp10))
        rc = DAAS_EINVAL;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "quantity %.40s: %s", s != NULL ? s : "",
                         rc == DAAS_ETOOBIG ? "too large" : "malformed");
    /* value = mant * mul * 10^(exp10 - frac) [* 1000 when milli], rounded up */
    int e = exp10 - frac + (milli ? 3 : 0);
    __int128 v = mant * mul, lim = (__int128)INT64_MAX;
    for (; e > 0; e--) {
        v *= 10;
        if (v > lim)
            return daas_fail(err, DAAS_ETOOBIG, "quantity %.40s: too large", s);
    }
    bool round_up = false;
    for (; e < 0; e++) {
        round_up |= v % 10 != 0;
        v /= 10;
    }
    v += round_up;
    if (v > lim)
        return daas_fail(err, DAAS_ETOOBIG, "quantity %.40s: too large", s);
    *out = (int64_t)v;
    return DAAS_OK;
}

/* ---- resources ---- */

static const json_t *res_of(const json_t *c, const char *kind, const char *name)
{
    return json_object_get(json_object_get(json_object_get(c, "resources"), kind), name);
}

/* A quantity given as a string or a JSON number. */
static int qty_value(const json_t *v, bool milli, int64_t *out, daas_err *err)
{
    if (json_is_string(v))
        return daas_agent_pods_quantity(json_string_value(v), milli, out, err);
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) <= INT64_MAX / 1000) {
        *out = json_integer_value(v) * (milli ? 1000 : 1);
        return DAAS_OK;
    }
    return daas_fail(err, DAAS_EINVAL, "resource quantity is not a string");
}

int daas_agent_pods_limits(const json_t *container, uint64_t *memory, uint32_t *cpu_millis,
                           daas_err *err)
{
    *memory = 0;
    *cpu_millis = 0;
    const json_t *mem = res_of(container, "limits", "memory");
    const json_t *cpu = res_of(container, "limits", "cpu");
    int64_t v = 0;
    int rc = DAAS_OK;
    if (mem != NULL && (rc = qty_value(mem, false, &v, err)) == DAAS_OK)
        *memory = (uint64_t)v;
    if (rc == DAAS_OK && cpu != NULL && (rc = qty_value(cpu, true, &v, err)) == DAAS_OK)
        *cpu_millis = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return rc;
}

/* Equal quantities (compared in thousandths). */
static bool same_qty(const json_t *a, const json_t *b)
{
    int64_t x = 0, y = 0;
    return qty_value(a, true, &x, NULL) == DAAS_OK && qty_value(b, true, &y, NULL) == DAAS_OK &&
           x == y;
}

/* A container's part of the QoS decision: *any (some cpu/memory request or limit), and
 * whether it qualifies for Guaranteed. */
static bool ctr_guaranteed(const json_t *c, bool *any)
{
    static const char *const names[] = {"cpu", "memory"};
    bool g = true;
    for (size_t i = 0; i < 2; i++) {
        const json_t *lim = res_of(c, "limits", names[i]), *req = res_of(c, "requests", names[i]);
        *any |= lim != NULL || req != NULL;
        if (lim == NULL || (req != NULL && !same_qty(lim, req)))
            g = false;
    }
    return g;
}

const char *daas_agent_pods_qos(const json_t *pod)
{
    const json_t *spec = json_object_get(pod, "spec");
    static const char *const lists[] = {"containers", "initContainers"};
    bool any = false, guaranteed = true;
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            guaranteed &= ctr_guaranteed(c, &any);
        }
    }
    if (!any)
        return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

bool daas_agent_pods_wants_nitro(const json_t *container)
{
    return res_of(container, "limits", DAAS_AGENT_PODS_NITRO_RESOURCE) != NULL;
}

/* True when container uses the cluster's ConfigMaps/Secrets (env valueFrom, envFrom,
 * volume mounts). */
static bool needs_cluster(const json_t *cj)
{
    size_t i;
    const json_t *e;
    if (json_array_size(json_object_get(cj, "envFrom")) > 0)
        return true;
    json_array_foreach(json_object_get(cj, "env"), i, e)
    {
        if (json_object_get(e, "valueFrom") != NULL)
            return true;
    }
    return json_array_size(json_object_get(cj, "volumeMounts")) > 0;
}

int daas_agent_pods_node_config(const json_t *container, const char *nitro_device, bool have_res,
                                const char **device, daas_err *err)
{
    *device = NULL;
    if (daas_agent_pods_wants_nitro(container)) {
        if (nitro_device == NULL || access(nitro_device, R_OK | W_OK) != 0)
            return daas_fail(err, DAAS_EINVAL,
                             "the node has no Nitro Enclaves device for "
                             "resource " DAAS_AGENT_PODS_NITRO_RESOURCE);
        *device = nitro_device;
    }
    if (!have_res && needs_cluster(container))
        return daas_fail(err, DAAS_EINVAL,
                         "env valueFrom/envFrom and volumes: no access to the cluster's "
                         "ConfigMaps/Secrets");
    return DAAS_OK;
}
