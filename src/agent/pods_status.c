/*
 * pods_status.c: the agent's record of a pod and its containers, and what it reports: the
 *                phase (the kubelet's getPhase), the PodStatus JSON, restart decisions and
 *                the crash-loop back-off.
 *
 * Owns:   daas_agent_pods_pod / _ctr contents (strings, probes, the Pod reference).
 * Invariants: pure: no I/O, no clock but the one passed or read for the record's times.
 * Spec:   Kubernetes core/v1 PodStatus, ContainerStatus; kubelet pkg/kubelet/kubelet_pods.go
 *         getPhase, pkg/kubelet/kuberuntime back-off (10 s doubling to 300 s).
 */
#include "agent/pods.h"

#include <string.h>

#include "common/alloc.h"
#include "common/util.h"

/* The kubelet's getPhase (pkg/kubelet/kubelet_pods.go), without init containers. */
const char *daas_agent_pods_phase(const daas_agent_pods_pod *p)
{
    size_t waiting = 0, running = 0, stopped = 0, succeeded = 0;
    for (size_t i = 0; i < p->n_ctrs; i++) {
        const daas_agent_pods_ctr *c = &p->ctrs[i];
        if (c->state == DAAS_AGENT_CTR_RUNNING) {
            running++;
        } else if (c->state == DAAS_AGENT_CTR_TERMINATED) {
            stopped++;
            succeeded += c->term.exit_code == 0;
        } else if (c->last.set) {
            stopped++; /* waiting to restart */
        } else {
            waiting++;
        }
    }
    if (waiting > 0 || p->n_ctrs == 0)
        return "Pending";
    if (running > 0)
        return "Running";
    if (p->restart_policy == DAAS_AGENT_RESTART_ALWAYS)
        return "Running";
    if (stopped == succeeded)
        return "Succeeded";
    return p->restart_policy == DAAS_AGENT_RESTART_NEVER ? "Failed" : "Running";
}

static json_t *time_str(int64_t sec)
{
    char b[32];
    daas_time_rfc3339(sec, b, sizeof b);
    return json_string(b);
}

static json_t *terminated_json(const daas_agent_pods_term *t)
{
    json_t *o =
        json_pack("{s:i,s:s,s:o,s:o}", "exitCode", t->exit_code, "reason",
                  t->reason != NULL ? t->reason : (t->exit_code == 0 ? "Completed" : "Error"),
                  "startedAt", time_str(t->started_at), "finishedAt", time_str(t->finished_at));
    if (t->message != NULL)
        json_object_set_new(o, "message", json_string(t->message));
    if (t->id != NULL) {
        char *cid = daas_xasprintf("runc://%s", t->id);
        json_object_set_new(o, "containerID", json_string(cid));
        daas_free(cid);
    }
    return o;
}

static json_t *ctr_state(const daas_agent_pods_ctr *c)
{
    if (c->state == DAAS_AGENT_CTR_RUNNING)
        return json_pack("{s:{s:o}}", "running", "startedAt", time_str(c->started_at));
    if (c->state == DAAS_AGENT_CTR_TERMINATED)
        return json_pack("{s:o}", "terminated", terminated_json(&c->term));
    json_t *w = json_pack("{s:s}", "reason", c->reason != NULL ? c->reason : "ContainerCreating");
    if (c->message != NULL)
        json_object_set_new(w, "message", json_string(c->message));
    return json_pack("{s:o}", "waiting", w);
}

/* The id the status names: the current run's, or the last one's while waiting to restart. */
static const char *shown_id(const daas_agent_pods_ctr *c)
{
    if (c->state == DAAS_AGENT_CTR_RUNNING)
        return c->id;
    if (c->state == DAAS_AGENT_CTR_TERMINATED)
        return c->term.id != NULL ? c->term.id : c->id;
    return c->last.set ? c->last.id : NULL;
}

static json_t *ctr_status(const daas_agent_pods_ctr *c)
{
    bool running = c->state == DAAS_AGENT_CTR_RUNNING;
    json_t *last =
        c->last.set ? json_pack("{s:o}", "terminated", terminated_json(&c->last)) : json_object();
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:I,s:b,s:o,s:o}", "name", c->name, "image", c->image,
                          "imageID", c->image_id != NULL ? c->image_id : "", "ready",
                          running && c->ready, "restartCount", (json_int_t)c->restarts, "started",
                          running && c->started, "state", ctr_state(c), "lastState", last);
    const char *id = shown_id(c);
    if (id != NULL) {
        char *cid = daas_xasprintf("runc://%s", id);
        json_object_set_new(o, "containerID", json_string(cid));
        daas_free(cid);
    }
    return o;
}

static json_t *condition(const char *type, bool ok, const char *reason, const char *msg, int64_t t)
{
    json_t *c = json_pack("{s:s,s:s,s:n,s:o}", "type", type, "status", ok ? "True" : "False",
                          "lastProbeTime", "lastTransitionTime", time_str(t));
    if (!ok && reason != NULL)
        json_object_set_new(c, "reason", json_string(reason));
    if (!ok && msg != NULL)
        json_object_set_new(c, "message", json_string(msg));
    return c;
}

/* "containers with unready status: [a b]", or NULL when all are ready. */
static char *unready_msg(const daas_agent_pods_pod *p)
{
    daas_buf b;
    daas_buf_init(&b, 1 << 16);
    bool any = false;
    for (size_t i = 0; i < p->n_ctrs; i++) {
        const daas_agent_pods_ctr *c = &p->ctrs[i];
        if (c->state == DAAS_AGENT_CTR_RUNNING && c->ready)
            continue;
        if (daas_buf_printf(&b, "%s%s", any ? " " : "containers with unready status: [", c->name) !=
            DAAS_OK)
            break;
        any = true;
    }
    if (!any || daas_buf_puts(&b, "]") != DAAS_OK) {
        daas_buf_fini(&b);
        return NULL;
    }
    return daas_buf_steal(&b, NULL);
}

json_t *daas_agent_pods_status_json(const daas_agent_pods_pod *p, const char *host_ip)
{
    const char *phase = daas_agent_pods_phase(p);
    bool done = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
    char *unready = unready_msg(p);
    const char *why = done ? "PodCompleted" : "ContainersNotReady";
    const char *msg = done ? NULL : unready;
    json_t *conds = json_array(), *cs = json_array();
    json_array_append_new(conds, condition("Initialized", true, NULL, NULL, p->start_time));
    json_array_append_new(conds, condition("Ready", unready == NULL, why, msg, p->start_time));
    json_array_append_new(conds,
                          condition("ContainersReady", unready == NULL, why, msg, p->start_time));
    json_array_append_new(conds, condition("PodScheduled", true, NULL, NULL, p->start_time));
    for (size_t i = 0; i < p->n_ctrs; i++)
        json_array_append_new(cs, ctr_status(&p->ctrs[i]));
    daas_free(unready);
    return json_pack("{s:s,s:o,s:s,s:[{s:s}],s:s,s:[{s:s}],s:o,s:o,s:s}", "phase", phase,
                     "conditions", conds, "hostIP", host_ip, "hostIPs", "ip", host_ip, "podIP",
                     host_ip, "podIPs", "ip", host_ip, "startTime", time_str(p->start_time),
                     "containerStatuses", cs, "qosClass", daas_agent_pods_qos(p->obj));
}

static int restart_policy(const json_t *spec)
{
    const char *rp = json_string_value(json_object_get(spec, "restartPolicy"));
    if (rp != NULL && strcmp(rp, "Never") == 0)
        return DAAS_AGENT_RESTART_NEVER;
    if (rp != NULL && strcmp(rp, "OnFailure") == 0)
        return DAAS_AGENT_RESTART_ONFAILURE;
    return DAAS_AGENT_RESTART_ALWAYS;
}

static int grace_of(const json_t *spec, int max_grace_s)
{
    const json_t *g = json_object_get(spec, "terminationGracePeriodSeconds");
    int s = json_is_integer(g) && json_integer_value(g) >= 0
                ? (int)(json_integer_value(g) > 86400 ? 86400 : json_integer_value(g))
                : DAAS_AGENT_PODS_GRACE_DEFAULT;
    return max_grace_s > 0 && s > max_grace_s ? max_grace_s : s;
}

static int ctr_init(daas_agent_pods_ctr *c, const json_t *cj, daas_err *err)
{
    const char *cn = json_string_value(json_object_get(cj, "name"));
    const char *im = json_string_value(json_object_get(cj, "image"));
    c->name = daas_xstrdup(cn != NULL ? cn : "");
    c->image = daas_xstrdup(im != NULL ? im : "");
    c->reason = daas_xstrdup("ContainerCreating");
    int rc =
        daas_agent_probe_parse(json_object_get(cj, "livenessProbe"), cj, true, &c->liveness, err);
    if (rc == DAAS_OK)
        rc = daas_agent_probe_parse(json_object_get(cj, "readinessProbe"), cj, false, &c->readiness,
                                    err);
    if (rc == DAAS_OK)
        rc = daas_agent_probe_parse(json_object_get(cj, "startupProbe"), cj, false, &c->startup,
                                    err);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "container %s", c->name);
    c->started = c->startup.kind == DAAS_AGENT_PROBE_NONE;
    return DAAS_OK;
}

int daas_agent_pods_pod_init(daas_agent_pods_pod *p, json_t *pod, int max_grace_s, daas_err *err)
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
    p->grace_s = grace_of(spec, max_grace_s);
    p->restart_policy = restart_policy(spec);
    p->n_ctrs = json_array_size(ctrs);
    p->ctrs = daas_xcalloc(p->n_ctrs, sizeof *p->ctrs);
    int rc = DAAS_OK;
    for (size_t i = 0; i < p->n_ctrs && rc == DAAS_OK; i++)
        rc = ctr_init(&p->ctrs[i], json_array_get(ctrs, i), err);
    return rc;
}

static void term_fini(daas_agent_pods_term *t)
{
    daas_free(t->reason);
    daas_free(t->message);
    daas_free(t->id);
    memset(t, 0, sizeof *t);
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
        term_fini(&c->term);
        term_fini(&c->last);
        daas_agent_probe_fini(&c->liveness);
        daas_agent_probe_fini(&c->readiness);
        daas_agent_probe_fini(&c->startup);
    }
    daas_free(p->ctrs);
    daas_free(p->ns);
    daas_free(p->name);
    daas_free(p->uid);
    daas_free(p->last_status);
    json_decref(p->obj);
    memset(p, 0, sizeof *p);
}

int daas_agent_pods_backoff_next(daas_agent_pods_ctr *c, int64_t ran_s)
{
    if (ran_s >= DAAS_AGENT_PODS_BACKOFF_RESET_S)
        c->backoff_s = 0;
    int delay = c->backoff_s;
    c->backoff_s = delay == 0
                       ? DAAS_AGENT_PODS_BACKOFF_MIN_S
                       : (delay * 2 > DAAS_AGENT_PODS_BACKOFF_MAX_S ? DAAS_AGENT_PODS_BACKOFF_MAX_S
                                                                    : delay * 2);
    return delay;
}

bool daas_agent_pods_should_restart(int policy, int exit_code)
{
    if (policy == DAAS_AGENT_RESTART_ALWAYS)
        return true;
    return policy == DAAS_AGENT_RESTART_ONFAILURE && exit_code != 0;
}

void daas_agent_pods_ctr_archive(daas_agent_pods_ctr *c)
{
    term_fini(&c->last);
    c->last = c->term;
    memset(&c->term, 0, sizeof c->term);
}

void daas_agent_pods_ctr_wait(daas_agent_pods_ctr *c, const char *reason, const char *msg)
{
    daas_free(c->reason);
    daas_free(c->message);
    c->reason = daas_xstrdup(reason);
    c->message = msg != NULL ? daas_xstrdup(msg) : NULL;
    c->state = DAAS_AGENT_CTR_WAITING;
}
