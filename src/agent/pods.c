/*
 * pods.c: the agent's pod loop, first version (see pods.h). It polls the pod list every 2 s
 * (a watch comes later), checks each new pod's placement proof, pulls and unpacks its images,
 * runs its containers with runc and writes the pod status; pods gone from the list are
 * stopped within their grace period and deleted. restartPolicy is not applied yet.
 *
 * Owns:   the pod table (a growable array), DATA/pods/<uid>/<container>/rootfs.
 * Invariants: a refused pod never reaches runc; one pod's failure never stops the loop; a
 *         status is PUT only when it changed (retried on the next tick when the PUT failed).
 */
#include "agent/pods.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"

#define MOD "pods"
#define KEYS_REFRESH_MS 10000

/* ---- pure parts ---- */

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
    json_array_foreach(a, i, s) {
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
    json_array_foreach(json_object_get(c, "env"), i, e) {
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
        strv_push(&out->env, &n, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
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

const char *daas_agent_pods_phase(const daas_agent_pods_pod *p)
{
    size_t term = 0;
    bool failed = false;
    for (size_t i = 0; i < p->n_ctrs; i++) {
        if (p->ctrs[i].state == DAAS_AGENT_CTR_WAITING)
            return "Pending";
        if (p->ctrs[i].state == DAAS_AGENT_CTR_TERMINATED) {
            term++;
            failed |= p->ctrs[i].exit_code != 0;
        }
    }
    if (p->n_ctrs > 0 && term == p->n_ctrs)
        return failed ? "Failed" : "Succeeded";
    return "Running";
}

static json_t *time_str(int64_t sec)
{
    char b[32];
    daas_time_rfc3339(sec, b, sizeof b);
    return json_string(b);
}

static json_t *ctr_state(const daas_agent_pods_ctr *c)
{
    json_t *s = json_object();
    if (c->state == DAAS_AGENT_CTR_RUNNING) {
        json_object_set_new(s, "running", json_pack("{s:o}", "startedAt", time_str(c->started_at)));
        return s;
    }
    if (c->state == DAAS_AGENT_CTR_TERMINATED) {
        json_object_set_new(s, "terminated",
                            json_pack("{s:i,s:s,s:o,s:o,s:s?}", "exitCode", c->exit_code,
                                      "reason", c->exit_code == 0 ? "Completed" : "Error",
                                      "startedAt", time_str(c->started_at), "finishedAt",
                                      time_str(c->finished_at), "containerID", c->id));
        return s;
    }
    json_t *w = json_pack("{s:s}", "reason", c->reason != NULL ? c->reason : "ContainerCreating");
    if (c->message != NULL)
        json_object_set_new(w, "message", json_string(c->message));
    json_object_set_new(s, "waiting", w);
    return s;
}

static json_t *ctr_status(const daas_agent_pods_ctr *c)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:i,s:b,s:o}", "name", c->name, "image", c->image,
                          "imageID", c->image_id != NULL ? c->image_id : "", "ready",
                          c->state == DAAS_AGENT_CTR_RUNNING, "restartCount", 0, "started",
                          c->state == DAAS_AGENT_CTR_RUNNING, "state", ctr_state(c));
    if (c->id != NULL && c->state != DAAS_AGENT_CTR_WAITING) {
        char *cid = daas_xasprintf("runc://%s", c->id);
        json_object_set_new(o, "containerID", json_string(cid));
        daas_free(cid);
    }
    return o;
}

static json_t *condition(const char *type, bool ok, const char *reason, int64_t t)
{
    json_t *c = json_pack("{s:s,s:s,s:o}", "type", type, "status", ok ? "True" : "False",
                          "lastTransitionTime", time_str(t));
    if (!ok && reason != NULL)
        json_object_set_new(c, "reason", json_string(reason));
    return c;
}

json_t *daas_agent_pods_status_json(const daas_agent_pods_pod *p, const char *host_ip)
{
    const char *phase = daas_agent_pods_phase(p);
    bool all_running = p->n_ctrs > 0, done = strcmp(phase, "Succeeded") == 0 ||
                                             strcmp(phase, "Failed") == 0;
    for (size_t i = 0; i < p->n_ctrs; i++)
        all_running &= p->ctrs[i].state == DAAS_AGENT_CTR_RUNNING;
    const char *why = done ? "PodCompleted" : "ContainersNotReady";
    json_t *conds = json_array(), *cs = json_array();
    json_array_append_new(conds, condition("PodScheduled", true, NULL, p->start_time));
    json_array_append_new(conds, condition("Initialized", true, NULL, p->start_time));
    json_array_append_new(conds, condition("ContainersReady", all_running, why, p->start_time));
    json_array_append_new(conds, condition("Ready", all_running, why, p->start_time));
    for (size_t i = 0; i < p->n_ctrs; i++)
        json_array_append_new(cs, ctr_status(&p->ctrs[i]));
    return json_pack("{s:s,s:o,s:s,s:[{s:s}],s:s,s:[{s:s}],s:o,s:o,s:s}", "phase", phase,
                     "conditions", conds, "hostIP", host_ip, "hostIPs", "ip", host_ip, "podIP",
                     host_ip, "podIPs", "ip", host_ip, "startTime", time_str(p->start_time),
                     "containerStatuses", cs, "qosClass", "BestEffort");
}

int daas_agent_pods_pod_init(daas_agent_pods_pod *p, json_t *pod, int max_grace_s,
                             daas_err *err)
{
    const json_t *md = json_object_get(pod, "metadata"), *spec = json_object_get(pod, "spec");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    const char *uid = json_string_value(json_object_get(md, "uid"));
    const json_t *ctrs = json_object_get(spec, "containers");
    if (ns == NULL || name == NULL || uid == NULL || strlen(uid) < 8 || json_array_size(ctrs) == 0)
        return daas_fail(err, DAAS_EINVAL, "pod without namespace, name, uid or containers");
    p->ns = daas_xstrdup(ns);
    p->name = daas_xstrdup(name);
    p->uid = daas_xstrdup(uid);
    p->obj = json_incref(pod);
    p->start_time = daas_now_ms() / 1000;
    const json_t *g = json_object_get(spec, "terminationGracePeriodSeconds");
    p->grace_s = json_is_integer(g) && json_integer_value(g) >= 0
                     ? (int)(json_integer_value(g) > 86400 ? 86400 : json_integer_value(g))
                     : DAAS_AGENT_PODS_GRACE_DEFAULT;
    if (max_grace_s > 0 && p->grace_s > max_grace_s)
        p->grace_s = max_grace_s;
    p->n_ctrs = json_array_size(ctrs);
    p->ctrs = daas_xcalloc(p->n_ctrs, sizeof *p->ctrs);
    for (size_t i = 0; i < p->n_ctrs; i++) {
        const json_t *c = json_array_get(ctrs, i);
        const char *cn = json_string_value(json_object_get(c, "name"));
        const char *im = json_string_value(json_object_get(c, "image"));
        p->ctrs[i].name = daas_xstrdup(cn != NULL ? cn : "");
        p->ctrs[i].image = daas_xstrdup(im != NULL ? im : "");
        p->ctrs[i].reason = daas_xstrdup("ContainerCreating");
    }
    return DAAS_OK;
}

void daas_agent_pods_pod_fini(daas_agent_pods_pod *p)
{
    for (size_t i = 0; i < p->n_ctrs; i++) {
        daas_agent_pods_ctr *c = &p->ctrs[i];
        daas_free(c->name);
        daas_free(c->image);
        daas_free(c->image_id);
        daas_free(c->id);
        daas_free(c->reason);
        daas_free(c->message);
    }
    daas_free(p->ctrs);
    daas_free(p->ns);
    daas_free(p->name);
    daas_free(p->uid);
    daas_free(p->last_status);
    json_decref(p->obj);
    memset(p, 0, sizeof *p);
}

/* ---- the loop ---- */

struct daas_agent_pods {
    daas_agent_pods_opts o;
    daas_image_store *store;
    daas_agent_pods_pod *pods;
    size_t n, cap;
    daas_sched_trusted_key *chain_keys;
    size_t n_chain_keys;
    int64_t keys_at_ms;
};

int daas_agent_pods_new(const daas_agent_pods_opts *o, daas_agent_pods **out, daas_err *err)
{
    daas_agent_pods *p = daas_xcalloc(1, sizeof *p);
    p->o = *o;
    char *dir = o->image_store != NULL ? daas_xstrdup(o->image_store)
                                       : daas_xasprintf("%s/images", o->data_dir);
    int rc = daas_image_store_open(dir, &p->store, err);
    daas_free(dir);
    if (rc != DAAS_OK) {
        daas_free(p);
        return rc;
    }
    *out = p;
    return DAAS_OK;
}

void daas_agent_pods_free(daas_agent_pods **pp)
{
    daas_agent_pods *p = *pp;
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        daas_agent_pods_pod_fini(&p->pods[i]);
    daas_free(p->pods);
    daas_free(p->chain_keys);
    daas_image_store_close(&p->store);
    daas_free(p);
    *pp = NULL;
}

/* Posts a Warning event about pod; failures are logged only. */
static void warn_event(daas_agent_pods *p, const daas_agent_pods_pod *pod, const char *reason,
                       const char *msg)
{
    char rnd[9], now[32];
    uint8_t b[4];
    daas_random(b, sizeof b);
    daas_hex_encode(b, sizeof b, rnd);
    daas_time_rfc3339(daas_now_ms() / 1000, now, sizeof now);
    char *name = daas_xasprintf("%s.%s", pod->name, rnd);
    json_t *ev = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:{s:s,s:s},s:s,s:s,s:i}",
        "apiVersion", "v1", "kind", "Event", "metadata", "name", name, "namespace", pod->ns,
        "involvedObject", "apiVersion", "v1", "kind", "Pod", "namespace", pod->ns, "name",
        pod->name, "uid", pod->uid, "reason", reason, "message", msg, "type", "Warning", "source",
        "component", "kubelet", "host", p->o.node_name, "firstTimestamp", now, "lastTimestamp",
        now, "count", 1);
    char *path = daas_xasprintf("/api/v1/namespaces/%s/events", pod->ns);
    daas_err e = {0};
    if (ev == NULL || daas_agent_kc_call(p->o.kc, "POST", path, ev, NULL, NULL, &e) != DAAS_OK)
        DAAS_WARN(MOD, "event %s for pod %s/%s: %s", reason, pod->ns, pod->name, e.msg);
    json_decref(ev);
    daas_free(path);
    daas_free(name);
}

/* The trusted keys: the fixed ones plus the chain's (re-read at most every 10 s). */
static int check_proof(daas_agent_pods *p, const daas_agent_pods_pod *pod, daas_err *err)
{
    if (p->o.keys_fn != NULL && daas_now_ms() - p->keys_at_ms >= KEYS_REFRESH_MS) {
        daas_sched_trusted_key *k = NULL;
        size_t n = 0;
        daas_err e = {0};
        if (p->o.keys_fn(p->o.keys_ctx, &k, &n, &e) == DAAS_OK) {
            daas_free(p->chain_keys);
            p->chain_keys = k;
            p->n_chain_keys = n;
            p->keys_at_ms = daas_now_ms();
        } else {
            daas_free(k);
            DAAS_WARN(MOD, "reading enclave keys from the chain: %s", e.msg);
        }
    }
    size_t n = p->o.n_keys + p->n_chain_keys;
    daas_sched_trusted_key *all = daas_xcalloc(n > 0 ? n : 1, sizeof *all);
    if (p->o.n_keys > 0)
        memcpy(all, p->o.keys, p->o.n_keys * sizeof *all);
    if (p->n_chain_keys > 0)
        memcpy(all + p->o.n_keys, p->chain_keys, p->n_chain_keys * sizeof *all);
    int rc = daas_sched_proof_check(pod->obj, p->o.node_name, all, n, err);
    daas_free(all);
    return rc;
}

static void ctr_wait(daas_agent_pods_ctr *c, const char *reason, const char *msg)
{
    daas_free(c->reason);
    daas_free(c->message);
    c->reason = daas_xstrdup(reason);
    c->message = msg != NULL ? daas_xstrdup(msg) : NULL;
}

static bool insecure_host(const daas_agent_pods *p, const char *image)
{
    for (size_t i = 0; p->o.insecure_registries != NULL && p->o.insecure_registries[i]; i++) {
        size_t l = strlen(p->o.insecure_registries[i]);
        if (strncmp(image, p->o.insecure_registries[i], l) == 0 && image[l] == '/')
            return true;
    }
    return false;
}

/* Pulls and unpacks c's image; fills cfg and the rootfs path. */
static int prepare_image(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                         daas_agent_pods_ctr *c, daas_image_cfg *cfg, char **rootfs,
                         daas_err *err)
{
    daas_image_ref ref = {0};
    char digest[DAAS_IMAGE_DIGEST_LEN + 1];
    daas_image_pull_opts po = {.insecure_http = insecure_host(p, c->image)};
    int rc = daas_image_ref_parse(c->image, &ref, err);
    if (rc == DAAS_OK)
        rc = daas_image_pull(p->store, c->image, &po, digest, err);
    if (rc == DAAS_OK) {
        daas_free(c->image_id);
        c->image_id = daas_xasprintf("%s@%s", ref.canonical, digest);
        rc = daas_image_config(p->store, ref.canonical, cfg, err);
    }
    if (rc == DAAS_OK) {
        *rootfs = daas_xasprintf("%s/pods/%s/%s/rootfs", p->o.data_dir, pod->uid, c->name);
        rc = daas_mkdir_p(*rootfs, err);
        if (rc == DAAS_OK)
            rc = daas_image_unpack(p->store, ref.canonical, *rootfs, err);
    }
    daas_image_ref_fini(&ref);
    return rc;
}

static int run_ctr(daas_agent_pods *p, const daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                   const json_t *cj, const daas_image_cfg *cfg, const char *rootfs,
                   daas_err *err)
{
    daas_agent_pods_proc proc;
    int rc = daas_agent_pods_proc_build(cj, cfg, &proc, err);
    char *id = daas_xasprintf("%.8s-%s", pod->uid, c->name);
    if (rc == DAAS_OK) {
        daas_rt_spec s = {.id = id, .rootfs = rootfs, .args = (const char *const *)proc.args,
                          .env = (const char *const *)proc.env, .cwd = proc.cwd,
                          .uid = proc.uid, .gid = proc.gid, .hostname = pod->name,
                          .host_network = true};
        rc = daas_rt_create(p->o.rt, &s, err);
        if (rc == DAAS_EEXIST) { /* left by an earlier agent: adopt it */
            daas_err_clear(err);
            rc = DAAS_OK;
        }
    }
    daas_agent_pods_proc_fini(&proc);
    if (rc != DAAS_OK) {
        daas_free(id);
        return rc;
    }
    daas_free(c->id);
    c->id = id;
    c->state = DAAS_AGENT_CTR_RUNNING;
    c->started_at = daas_now_ms() / 1000;
    return DAAS_OK;
}

static void start_ctr(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i)
{
    daas_agent_pods_ctr *c = &pod->ctrs[i];
    const json_t *cj = json_array_get(json_object_get(json_object_get(pod->obj, "spec"),
                                                      "containers"), i);
    daas_image_cfg cfg = {0};
    char *rootfs = NULL;
    daas_err e = {0};
    int rc = prepare_image(p, pod, c, &cfg, &rootfs, &e);
    if (rc != DAAS_OK) {
        ctr_wait(c, "ErrImagePull", e.msg);
        warn_event(p, pod, "Failed", e.msg);
    } else if ((rc = run_ctr(p, pod, c, cj, &cfg, rootfs, &e)) != DAAS_OK) {
        ctr_wait(c, "CreateContainerError", e.msg);
        warn_event(p, pod, "Failed", e.msg);
    }
    if (rc != DAAS_OK)
        DAAS_WARN(MOD, "pod %s/%s container %s: %s", pod->ns, pod->name, c->name, e.msg);
    else
        DAAS_INFO(MOD, "pod %s/%s container %s started (%s)", pod->ns, pod->name, c->name, c->id);
    daas_image_config_fini(&cfg);
    daas_free(rootfs);
}

/* A pod seen for the first time: the proof, then its containers. */
static void accept_pod(daas_agent_pods *p, json_t *obj)
{
    daas_err e = {0};
    daas_agent_pods_pod pod = {0};
    if (daas_agent_pods_pod_init(&pod, obj, p->o.max_grace_s, &e) != DAAS_OK) {
        DAAS_WARN(MOD, "skipping a pod: %s", e.msg);
        daas_agent_pods_pod_fini(&pod);
        return;
    }
    if (check_proof(p, &pod, &e) != DAAS_OK) {
        pod.refused = true;
        DAAS_WARN(MOD, "pod %s/%s refused: %s", pod.ns, pod.name, e.msg);
        warn_event(p, &pod, "FailedScheduleProof", e.msg);
    } else {
        for (size_t i = 0; i < pod.n_ctrs; i++)
            start_ctr(p, &pod, i);
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->pods = daas_xrealloc(p->pods, p->cap * sizeof *p->pods);
    }
    p->pods[p->n++] = pod;
}

/* Follows running containers into their exit. */
static void refresh_ctrs(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    for (size_t i = 0; i < pod->n_ctrs; i++) {
        daas_agent_pods_ctr *c = &pod->ctrs[i];
        daas_rt_state st;
        daas_err e = {0};
        if (c->state != DAAS_AGENT_CTR_RUNNING)
            continue;
        int rc = daas_rt_state_get(p->o.rt, c->id, &st, &e);
        if (rc == DAAS_ENOTFOUND) {
            st.status = DAAS_RT_STOPPED;
            st.exit_code = 255;
        } else if (rc != DAAS_OK) {
            continue;
        }
        if (st.status == DAAS_RT_STOPPED) {
            c->state = DAAS_AGENT_CTR_TERMINATED;
            c->exit_code = st.exit_code;
            c->finished_at = daas_now_ms() / 1000;
            DAAS_INFO(MOD, "pod %s/%s container %s exited %d", pod->ns, pod->name, c->name,
                      st.exit_code);
        }
    }
}

/* PUTs the status when it changed since the last successful PUT. */
static void write_status(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    if (pod->refused)
        return;
    json_t *st = daas_agent_pods_status_json(pod, p->o.host_ip);
    char *txt = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
    if (txt != NULL && (pod->last_status == NULL || strcmp(txt, pod->last_status) != 0)) {
        json_t *body = json_deep_copy(pod->obj);
        json_object_del(json_object_get(body, "metadata"), "resourceVersion");
        json_object_set(body, "status", st);
        char *path = daas_xasprintf("/api/v1/namespaces/%s/pods/%s/status", pod->ns, pod->name);
        daas_err e = {0};
        if (daas_agent_kc_call(p->o.kc, "PUT", path, body, NULL, NULL, &e) == DAAS_OK) {
            daas_free(pod->last_status);
            pod->last_status = txt;
            txt = NULL;
        } else {
            DAAS_WARN(MOD, "status of pod %s/%s: %s", pod->ns, pod->name, e.msg);
        }
        daas_free(path);
        json_decref(body);
    }
    free(txt); /* jansson's allocation */
    json_decref(st);
}

/* A pod gone from the API: its containers are stopped and deleted, its rootfs kept. */
static void remove_pod(daas_agent_pods *p, size_t k)
{
    daas_agent_pods_pod *pod = &p->pods[k];
    for (size_t i = 0; i < pod->n_ctrs; i++) {
        daas_err e = {0};
        const char *id = pod->ctrs[i].id;
        if (id == NULL)
            continue;
        if (daas_rt_stop(p->o.rt, id, pod->grace_s * 1000, NULL, &e) != DAAS_OK ||
            daas_rt_delete(p->o.rt, id, true, &e) != DAAS_OK)
            DAAS_WARN(MOD, "removing container %s: %s", id, e.msg);
    }
    DAAS_INFO(MOD, "pod %s/%s deleted: containers removed", pod->ns, pod->name);
    daas_agent_pods_pod_fini(pod);
    p->pods[k] = p->pods[--p->n];
}

static daas_agent_pods_pod *find_pod(daas_agent_pods *p, const char *uid)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->pods[i].uid, uid) == 0)
            return &p->pods[i];
    return NULL;
}

static bool listed(const json_t *items, const char *uid)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it) {
        const char *u = json_string_value(json_object_get(json_object_get(it, "metadata"), "uid"));
        if (u != NULL && strcmp(u, uid) == 0 &&
            json_object_get(json_object_get(it, "metadata"), "deletionTimestamp") == NULL)
            return true;
    }
    return false;
}

int daas_agent_pods_tick(daas_agent_pods *p, daas_err *err)
{
    json_t *list = NULL;
    char *path = daas_xasprintf("/api/v1/pods?fieldSelector=spec.nodeName%%3D%s", p->o.node_name);
    int rc = daas_agent_kc_call(p->o.kc, "GET", path, NULL, NULL, &list, err);
    daas_free(path);
    if (rc != DAAS_OK)
        return rc;
    const json_t *items = json_object_get(list, "items");
    for (size_t k = p->n; k-- > 0;)
        if (!listed(items, p->pods[k].uid))
            remove_pod(p, k);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const json_t *md = json_object_get(it, "metadata");
        const char *uid = json_string_value(json_object_get(md, "uid"));
        if (uid == NULL || json_object_get(md, "deletionTimestamp") != NULL)
            continue;
        daas_agent_pods_pod *pod = find_pod(p, uid);
        if (pod == NULL) {
            accept_pod(p, it);
        } else {
            json_decref(pod->obj);
            pod->obj = json_incref(it);
        }
    }
    for (size_t k = 0; k < p->n; k++) {
        refresh_ctrs(p, &p->pods[k]);
        write_status(p, &p->pods[k]);
    }
    json_decref(list);
    return DAAS_OK;
}
