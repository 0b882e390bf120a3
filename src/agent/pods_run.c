/*
 * pods_run.c: running a pod's containers: image, process and limits into a runc container
 *             (run n of container C is daas_agent_ctr_id(uid, C, n)), exits and restarts
 *             with the kubelet's back-off, graceful termination, adoption after an agent
 *             restart, and the events the kubelet posts on the way.
 *
 * Owns:   the runc containers of the table's pods; DATA/pods/<uid>/ (removed with the pod).
 * Invariants:
 *   - run n stays (stopped) until run n + 1 is created, then it is deleted (its log kept):
 *     at most one run of a container exists, and it is the current one or the last;
 *   - a container that cannot be created is a waiting reason and a Warning event, never a
 *     stopped loop; with restartPolicy Never it ends terminated (ContainerCannotRun);
 *   - a terminating pod's containers are never restarted.
 * Spec:   kubelet pkg/kubelet/kuberuntime (events Pulling/Pulled/Created/Started/Killing/
 *         BackOff/Failed, CrashLoopBackOff message, back-off), pkg/kubelet/events.
 */
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/pods_int.h"
#include "agent/serve.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"

#define MOD "pods"
#define CONFIG_RETRY_MS 10000

static int64_t mono_ms(void)
{
    return daas_mono_ns() / 1000000;
}

void daas_agent_pods__event(daas_agent_pods *p, const daas_agent_pods_pod *pod, const char *type,
                            const char *reason, const char *fmt, ...)
{
    char rnd[17], now[40], msg[1024];
    uint8_t b[8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    daas_random(b, sizeof b);
    daas_hex_encode(b, sizeof b, rnd);
    daas_time_rfc3339(daas_now_ms() / 1000, now, sizeof now);
    char *name = daas_xasprintf("%s.%s", pod->name, rnd);
    json_t *ev = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:{s:s,s:s},s:s,s:s,s:i}",
        "apiVersion", "v1", "kind", "Event", "metadata", "name", name, "namespace", pod->ns,
        "involvedObject", "apiVersion", "v1", "kind", "Pod", "namespace", pod->ns, "name",
        pod->name, "uid", pod->uid, "reason", reason, "message", msg, "type", type, "source",
        "component", "kubelet", "host", p->o.node_name, "firstTimestamp", now, "lastTimestamp", now,
        "count", 1);
    char *path = daas_xasprintf("/api/v1/namespaces/%s/events", pod->ns);
    daas_err e = {0};
    if (ev == NULL || daas_agent_kc_call(p->o.kc, "POST", path, ev, NULL, NULL, &e) != DAAS_OK)
        DAAS_WARN(MOD, "event %s for pod %s/%s: %s", reason, pod->ns, pod->name, e.msg);
    json_decref(ev);
    daas_free(path);
    daas_free(name);
}

static const json_t *ctr_json(const daas_agent_pods_pod *pod, size_t i)
{
    return json_array_get(json_object_get(json_object_get(pod->obj, "spec"), "containers"), i);
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

/* imagePullPolicy, defaulted as the API server does: Always for :latest or no tag. */
static bool pull_always(const json_t *cj, const daas_image_ref *ref)
{
    const char *pol = json_string_value(json_object_get(cj, "imagePullPolicy"));
    if (pol != NULL)
        return strcmp(pol, "Always") == 0;
    const char *last = strrchr(ref->canonical, '/');
    const char *tag = strchr(last != NULL ? last : ref->canonical, ':');
    return strchr(ref->canonical, '@') == NULL && (tag == NULL || strcmp(tag, ":latest") == 0);
}

/* DATA/private-images: the images once pulled with credentials, one canonical reference a
 * line. Such an image is never taken from the cache: every pod pulls it again with its own
 * credentials (as the kubelet's "ensure secret pulled images"), so a pod without them cannot
 * run another tenant's private image. */
static bool is_private(const daas_agent_pods *p, const char *canonical)
{
    char *path = daas_xasprintf("%s/private-images", p->o.data_dir);
    FILE *f = fopen(path, "re");
    daas_free(path);
    bool found = false;
    char line[1024];
    size_t n = strlen(canonical);
    while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
        found = strncmp(line, canonical, n) == 0 && line[n] == '\n';
    if (f != NULL)
        fclose(f);
    return found;
}

static void mark_private(const daas_agent_pods *p, const char *canonical)
{
    if (is_private(p, canonical))
        return;
    char *path = daas_xasprintf("%s/private-images", p->o.data_dir);
    FILE *f = fopen(path, "ae");
    if (f == NULL || fprintf(f, "%s\n", canonical) < 0 || fclose(f) != 0)
        DAAS_WARN(MOD, "recording %s as private: %s", canonical, path);
    daas_free(path);
}

/* Pulls c's image (with the pod's credentials) and names it in c->image_id. */
static int do_pull(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                   const daas_image_ref *ref, daas_err *err)
{
    char digest[DAAS_IMAGE_DIGEST_LEN + 1], *user = NULL, *pass = NULL;
    int64_t t0 = mono_ms();
    daas_agent_pods__event(p, pod, "Normal", "Pulling", "Pulling image \"%s\"", c->image);
    int rc = daas_agent_pods__res_creds(p, pod, c->image, &user, &pass, err);
    daas_image_pull_opts po = {
        .insecure_http = insecure_host(p, c->image), .username = user, .password = pass};
    if (rc == DAAS_OK)
        rc = daas_image_pull(p->store, c->image, &po, digest, err);
    if (rc == DAAS_OK && user != NULL)
        mark_private(p, ref->canonical);
    daas_agent_podres_creds_free(&user, &pass);
    if (rc == DAAS_OK)
        daas_agent_pods__event(p, pod, "Normal", "Pulled",
                               "Successfully pulled image \"%s\" in %.3fs", c->image,
                               (double)(mono_ms() - t0) / 1000.0);
    return rc;
}

/* Pulls c's image when the policy (or its privacy) asks for it (Pulling/Pulled events). */
static int pull(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                const json_t *cj, const daas_image_ref *ref, daas_err *err)
{
    char *have = NULL;
    bool present = daas_image_ref_get(p->store, ref->canonical, &have, NULL) == DAAS_OK;
    daas_free(have);
    have = NULL;
    int rc = DAAS_OK;
    if (present && !pull_always(cj, ref) && !is_private(p, ref->canonical))
        daas_agent_pods__event(p, pod, "Normal", "Pulled",
                               "Container image \"%s\" already present on machine", c->image);
    else
        rc = do_pull(p, pod, c, ref, err);
    if (rc == DAAS_OK) {
        rc = daas_image_ref_get(p->store, ref->canonical, &have, err);
        if (rc == DAAS_OK) {
            daas_free(c->image_id);
            c->image_id = daas_xasprintf("%s@%s", ref->canonical, have);
        }
        daas_free(have);
    }
    return rc;
}

/* DATA/pods/<uid>/containers/<name>/rootfs (apart from the pod's volumes/, whatever the
 * container's name). */
static char *rootfs_path(const daas_agent_pods *p, const daas_agent_pods_pod *pod,
                         const daas_agent_pods_ctr *c)
{
    return daas_xasprintf("%s/pods/%s/containers/%s/rootfs", p->o.data_dir, pod->uid, c->name);
}

/* The image of container i: pulled as its policy says, unpacked once; cfg and rootfs. */
static int prepare_image(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i,
                         daas_image_cfg *cfg, char **rootfs, daas_err *err)
{
    daas_agent_pods_ctr *c = &pod->ctrs[i];
    daas_image_ref ref = {0};
    *rootfs = rootfs_path(p, pod, c);
    int rc = daas_image_ref_parse(c->image, &ref, err);
    if (rc == DAAS_OK && !c->rootfs_ready)
        rc = pull(p, pod, c, ctr_json(pod, i), &ref, err);
    else if (rc == DAAS_OK)
        daas_agent_pods__event(p, pod, "Normal", "Pulled",
                               "Container image \"%s\" already present on machine", c->image);
    if (rc == DAAS_OK)
        rc = daas_image_config(p->store, ref.canonical, cfg, err);
    if (rc == DAAS_OK && !c->rootfs_ready) {
        rc = daas_mkdir_p(*rootfs, err);
        if (rc == DAAS_OK)
            rc = daas_image_unpack(p->store, ref.canonical, *rootfs, err);
        c->rootfs_ready = rc == DAAS_OK;
    }
    daas_image_ref_fini(&ref);
    return rc;
}

/* The reason the kubelet gives a runc failure: exec problems surface at start. */
static const char *create_reason(const char *msg)
{
    return strstr(msg, "exec:") != NULL || strstr(msg, "executable") != NULL
               ? "RunContainerError"
               : "CreateContainerError";
}

/* What a run needs besides its image: the process (with the cluster's environment), the
 * limits, the mounts. Failures are CreateContainerConfigError material. */
typedef struct run_cfg {
    daas_agent_pods_proc proc;
    uint64_t mem;
    uint32_t cpu;
    daas_rt_mount *mounts;
    size_t n_mounts;
} run_cfg;

static int build_cfg(daas_agent_pods *p, const daas_agent_pods_pod *pod, const json_t *cj,
                     const daas_image_cfg *cfg, run_cfg *rc_out, daas_err *err)
{
    int rc = daas_agent_pods_proc_build(cj, cfg, &rc_out->proc, err);
    if (rc == DAAS_OK)
        rc = daas_agent_pods_limits(cj, &rc_out->mem, &rc_out->cpu, err);
    if (rc == DAAS_OK)
        rc = daas_agent_pods__res_env(p, pod, cj, &rc_out->proc, err);
    if (rc == DAAS_OK)
        rc = daas_agent_pods__res_mounts(p, pod, cj, &rc_out->mounts, &rc_out->n_mounts, err);
    return rc;
}

static void cfg_fini(run_cfg *r)
{
    daas_agent_pods_proc_fini(&r->proc);
    daas_agent_podres_mounts_free(r->mounts, r->n_mounts);
    memset(r, 0, sizeof *r);
}

static int create_run(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i, const run_cfg *r,
                      const char *rootfs, const char *device, daas_err *err)
{
    daas_agent_pods_ctr *c = &pod->ctrs[i];
    char *id = daas_agent_ctr_id(pod->uid, c->name, c->restarts);
    const char *devs[] = {device, NULL};
    daas_rt_spec s = {.id = id,
                      .rootfs = rootfs,
                      .args = (const char *const *)r->proc.args,
                      .env = (const char *const *)r->proc.env,
                      .cwd = r->proc.cwd,
                      .uid = r->proc.uid,
                      .gid = r->proc.gid,
                      .hostname = pod->name,
                      .host_network = true,
                      .memory_limit = r->mem,
                      .cpu_millis = r->cpu,
                      .mounts = r->mounts,
                      .nmounts = r->n_mounts,
                      .devices = device != NULL ? devs : NULL};
    int rc = daas_rt_create(p->o.rt, &s, err);
    if (rc == DAAS_OK) {
        daas_free(c->id);
        c->id = id;
    } else {
        daas_free(id);
    }
    return rc;
}

static void set_running(daas_agent_pods_ctr *c)
{
    c->state = DAAS_AGENT_CTR_RUNNING;
    c->started_at = daas_now_ms() / 1000;
    c->started_mono_ms = mono_ms();
    c->created = true;
    c->kill_at_ms = 0;
    daas_agent_probe_reset(&c->liveness, true);
    daas_agent_probe_reset(&c->readiness, false);
    daas_agent_probe_reset(&c->startup, false);
    c->started = c->startup.kind == DAAS_AGENT_PROBE_NONE;
    c->ready = c->readiness.kind == DAAS_AGENT_PROBE_NONE;
}

/* A run that could not be created: per restart policy, retried after the back-off or
 * terminated (Never). */
static void create_failed(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                          const char *msg)
{
    const char *reason = create_reason(msg);
    daas_agent_pods__event(p, pod, "Warning", "Failed", "Error: %s", msg);
    if (!daas_agent_pods_should_restart(pod->restart_policy, 128)) {
        daas_agent_pods_ctr_wait(c, reason, msg);
        c->state = DAAS_AGENT_CTR_TERMINATED;
        c->term = (daas_agent_pods_term){.set = true,
                                         .exit_code = 128,
                                         .reason = daas_xstrdup("ContainerCannotRun"),
                                         .message = daas_xstrdup(msg),
                                         .started_at = daas_now_ms() / 1000,
                                         .finished_at = daas_now_ms() / 1000};
        return;
    }
    int delay = daas_agent_pods_backoff_next(c, 0);
    daas_agent_pods_ctr_wait(c, reason, msg);
    c->next_start_ms = mono_ms() + (int64_t)(delay > 0 ? delay : 1) * 1000;
}

/* Run n of c ended: it is deleted (its log kept) and c->restarts becomes n + 1. */
static void delete_prev(daas_agent_pods *p, daas_agent_pods_ctr *c)
{
    daas_err e = {0};
    if (c->id != NULL && daas_rt_delete(p->o.rt, c->id, true, &e) != DAAS_OK)
        DAAS_WARN(MOD, "deleting container %s: %s", c->id, e.msg);
    c->restarts++;
}

/* A container that cannot be configured (node device, cluster objects, process): waiting
 * CreateContainerConfigError, retried later. */
static void config_failed(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                          const char *msg)
{
    daas_agent_pods_ctr_wait(c, "CreateContainerConfigError", msg);
    c->next_start_ms = mono_ms() + CONFIG_RETRY_MS;
    daas_agent_pods__event(p, pod, "Warning", "Failed", "Error: %s", msg);
}

/* Creates the next run from a prepared image: config, then runc; events either way. */
static void create_next(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i,
                        const daas_image_cfg *cfg, const char *rootfs, const char *device,
                        daas_err *e)
{
    daas_agent_pods_ctr *c = &pod->ctrs[i];
    run_cfg r = {0};
    if (build_cfg(p, pod, ctr_json(pod, i), cfg, &r, e) != DAAS_OK) {
        config_failed(p, pod, c, e->msg);
        cfg_fini(&r);
        return;
    }
    bool again = c->created;
    if (again)
        delete_prev(p, c);
    if (create_run(p, pod, i, &r, rootfs, device, e) != DAAS_OK) {
        if (again)
            c->restarts--;
        create_failed(p, pod, c, e->msg);
    } else {
        set_running(c);
        daas_agent_pods__event(p, pod, "Normal", "Created", "Created container %s", c->name);
        daas_agent_pods__event(p, pod, "Normal", "Started", "Started container %s", c->name);
    }
    cfg_fini(&r);
}

void daas_agent_pods__start_ctr(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i)
{
    daas_agent_pods_ctr *c = &pod->ctrs[i];
    daas_image_cfg cfg = {0};
    char *rootfs = NULL;
    const char *device = NULL;
    daas_err e = {0};
    if (daas_agent_pods_node_config(ctr_json(pod, i), p->o.nitro_device, p->o.res != NULL, &device,
                                    &e) != DAAS_OK) {
        config_failed(p, pod, c, e.msg);
    } else if (prepare_image(p, pod, i, &cfg, &rootfs, &e) != DAAS_OK) {
        daas_agent_pods_ctr_wait(c, "ErrImagePull", e.msg);
        c->next_start_ms = mono_ms() + CONFIG_RETRY_MS;
        daas_agent_pods__event(p, pod, "Warning", "Failed", "Failed to pull image \"%s\": %s",
                               c->image, e.msg);
    } else {
        create_next(p, pod, i, &cfg, rootfs, device, &e);
    }
    if (e.code != DAAS_OK)
        DAAS_WARN(MOD, "pod %s/%s container %s: %s", pod->ns, pod->name, c->name, e.msg);
    else
        DAAS_INFO(MOD, "pod %s/%s container %s started (%s)", pod->ns, pod->name, c->name, c->id);
    daas_image_config_fini(&cfg);
    daas_free(rootfs);
}

/* The current run stopped with st: terminated, then restarted per policy. */
static void exited(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                   const daas_rt_state *st)
{
    int64_t now = daas_now_ms() / 1000;
    c->state = DAAS_AGENT_CTR_TERMINATED;
    c->term =
        (daas_agent_pods_term){.set = true,
                               .exit_code = st->exit_code,
                               .reason = daas_xstrdup(st->exit_code == 0 ? "Completed" : "Error"),
                               .id = daas_xstrdup(c->id),
                               .started_at = c->started_at,
                               .finished_at = now};
    c->ready = false;
    c->kill_at_ms = 0;
    DAAS_INFO(MOD, "pod %s/%s container %s exited %d", pod->ns, pod->name, c->name, st->exit_code);
    if (pod->terminating || !daas_agent_pods_should_restart(pod->restart_policy, st->exit_code))
        return;
    /* run n stays in the runtime (stopped) until run n + 1 is created: after an agent
     * restart it tells the restart count */
    daas_agent_pods_ctr_archive(c);
    int delay = daas_agent_pods_backoff_next(c, now - c->started_at);
    if (delay == 0) {
        daas_agent_pods_ctr_wait(c, "ContainerCreating", NULL);
        daas_agent_pods__start_ctr(p, pod, (size_t)(c - pod->ctrs));
        return;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "back-off %ds restarting failed container=%s pod=%s_%s(%s)", delay,
             c->name, pod->name, pod->ns, pod->uid);
    daas_agent_pods_ctr_wait(c, "CrashLoopBackOff", msg);
    c->next_start_ms = mono_ms() + (int64_t)delay * 1000;
    daas_agent_pods__event(p, pod, "Warning", "BackOff",
                           "Back-off restarting failed container %s in pod %s_%s(%s)", c->name,
                           pod->name, pod->ns, pod->uid);
}

/* Runs one probe of a running container; true for success, msg on failure. */
static bool run_probe(daas_agent_pods *p, const daas_agent_pods_ctr *c, const daas_agent_probe *pr,
                      char *msg, size_t n)
{
    const char *host = pr->host != NULL && pr->host[0] != '\0' ? pr->host
                       : p->o.host_ip != NULL                  ? p->o.host_ip
                                                               : "127.0.0.1";
    if (pr->kind == DAAS_AGENT_PROBE_HTTP)
        return daas_agent_probe_http(host, pr->port, pr->path, pr->timeout_s * 1000, msg, n);
    if (pr->kind == DAAS_AGENT_PROBE_TCP)
        return daas_agent_probe_tcp(host, pr->port, pr->timeout_s * 1000, msg, n);
    daas_buf out;
    daas_buf_init(&out, 1 << 16);
    int code = 255;
    daas_err e = {0};
    int rc = daas_rt_exec(p->o.rt, c->id, (const char *const *)pr->cmd, &out, &out, &code, &e);
    bool ok = rc == DAAS_OK && code == 0;
    if (!ok)
        snprintf(msg, n, "%s", rc != DAAS_OK ? e.msg : out.data != NULL ? out.data : "");
    daas_buf_fini(&out);
    return ok;
}

/* Stops the current run for a failed liveness/startup probe: SIGTERM now, SIGKILL after the
 * grace period (sync_ctr), without holding up the loop; its exit is then handled as any
 * other (restarted per policy). */
static void probe_kill(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                       const char *what)
{
    daas_agent_pods__event(p, pod, "Normal", "Killing",
                           "Container %s failed %s probe, will be restarted", c->name, what);
    daas_err e = {0};
    if (daas_rt_kill(p->o.rt, c->id, SIGTERM, &e) != DAAS_OK)
        DAAS_WARN(MOD, "SIGTERM to container %s: %s", c->id, e.msg);
    c->kill_at_ms = mono_ms() + (int64_t)pod->grace_s * 1000;
    if (c->kill_at_ms == 0)
        c->kill_at_ms = 1;
}

/* One probe, when due: its verdict, an Unhealthy event on failure. */
static bool probe_one(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                      daas_agent_probe *pr, const char *what)
{
    int64_t now = mono_ms();
    if (!daas_agent_probe_due(pr, c->started_mono_ms, now))
        return false;
    char msg[512] = "";
    bool ok = run_probe(p, c, pr, msg, sizeof msg);
    if (!ok)
        daas_agent_pods__event(p, pod, "Warning", "Unhealthy", "%s probe failed: %s", what, msg);
    return daas_agent_probe_record(pr, ok, mono_ms());
}

static void probe_ctr(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c)
{
    if (!c->started) {
        if (probe_one(p, pod, c, &c->startup, "Startup") && c->startup.ok)
            c->started = true;
        else if (c->startup.failures >= c->startup.failure_threshold)
            probe_kill(p, pod, c, "startup");
        return;
    }
    if (probe_one(p, pod, c, &c->liveness, "Liveness") && !c->liveness.ok) {
        probe_kill(p, pod, c, "liveness");
        return;
    }
    if (c->readiness.kind != DAAS_AGENT_PROBE_NONE) {
        probe_one(p, pod, c, &c->readiness, "Readiness");
        c->ready = c->readiness.ok;
    }
}

/* Follows one container: its exit, a restart that is due, its probes. */
static void sync_ctr(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c)
{
    if (c->state == DAAS_AGENT_CTR_WAITING) {
        if (!pod->terminating && !pod->refused && mono_ms() >= c->next_start_ms)
            daas_agent_pods__start_ctr(p, pod, (size_t)(c - pod->ctrs));
        return;
    }
    if (c->state != DAAS_AGENT_CTR_RUNNING)
        return;
    daas_rt_state st;
    daas_err e = {0};
    int rc = daas_rt_state_get(p->o.rt, c->id, &st, &e);
    if (rc == DAAS_ENOTFOUND)
        st = (daas_rt_state){.status = DAAS_RT_STOPPED, .exit_code = 255};
    else if (rc != DAAS_OK)
        return;
    if (st.status != DAAS_RT_STOPPED && c->kill_at_ms != 0 && mono_ms() >= c->kill_at_ms &&
        daas_rt_stop(p->o.rt, c->id, 0, &st, &e) != DAAS_OK)
        DAAS_WARN(MOD, "stopping container %s: %s", c->id, e.msg);
    if (st.status == DAAS_RT_STOPPED)
        exited(p, pod, c, &st);
    else if (!pod->terminating && c->kill_at_ms == 0)
        probe_ctr(p, pod, c);
}

void daas_agent_pods__terminate(daas_agent_pods *p, daas_agent_pods_pod *pod, int grace_s)
{
    if (grace_s < 0 || grace_s > pod->grace_s)
        grace_s = pod->grace_s;
    int64_t at = mono_ms() + (int64_t)grace_s * 1000;
    if (pod->terminating && at >= pod->kill_at_ms)
        return; /* already stopping, at least as soon */
    pod->kill_at_ms = at;
    bool again = pod->terminating;
    pod->terminating = true;
    for (size_t i = 0; i < pod->n_ctrs && !again; i++) {
        daas_agent_pods_ctr *c = &pod->ctrs[i];
        if (c->state != DAAS_AGENT_CTR_RUNNING)
            continue;
        daas_agent_pods__event(p, pod, "Normal", "Killing", "Stopping container %s", c->name);
        daas_err e = {0};
        if (daas_rt_kill(p->o.rt, c->id, SIGTERM, &e) != DAAS_OK)
            DAAS_WARN(MOD, "SIGTERM to container %s: %s", c->id, e.msg);
    }
    DAAS_INFO(MOD, "pod %s/%s: stopping (grace %d s)", pod->ns, pod->name, grace_s);
}

/* A terminating pod: SIGKILL when the grace ran out; true when nothing runs any more. */
static bool terminated(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    bool kill_now = mono_ms() >= pod->kill_at_ms, all = true;
    for (size_t i = 0; i < pod->n_ctrs; i++) {
        daas_agent_pods_ctr *c = &pod->ctrs[i];
        if (c->state == DAAS_AGENT_CTR_WAITING && c->id == NULL)
            continue;
        if (c->id != NULL) { /* also a stopped run: none of its processes may be left */
            daas_rt_state st;
            daas_err e = {0};
            if ((kill_now || c->state != DAAS_AGENT_CTR_RUNNING) &&
                daas_rt_stop(p->o.rt, c->id, 0, &st, &e) == DAAS_OK &&
                c->state == DAAS_AGENT_CTR_RUNNING)
                exited(p, pod, c, &st);
        }
        all &= c->state != DAAS_AGENT_CTR_RUNNING;
    }
    return all;
}

bool daas_agent_pods__sync_pod(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    for (size_t i = 0; i < pod->n_ctrs; i++)
        sync_ctr(p, pod, &pod->ctrs[i]);
    return pod->terminating && terminated(p, pod);
}

bool daas_agent_pods__run_of(const char *id, const char *uid, const char *name, unsigned *n)
{
    size_t nl = strlen(name);
    if (strlen(uid) < 8 || strncmp(id, uid, 8) != 0 || id[8] != '-' ||
        strncmp(id + 9, name, nl) != 0 || id[9 + nl] != '-')
        return false;
    const char *d = id + 10 + nl;
    uint64_t v = 0;
    if (*d == '\0')
        return false;
    for (; *d != '\0'; d++) {
        if (*d < '0' || *d > '9' || v > UINT32_MAX / 10)
            return false;
        v = v * 10 + (uint64_t)(*d - '0');
    }
    *n = (unsigned)v;
    return true;
}

/* Takes run n (found in the runtime) as c's current one. */
static void adopt_run(daas_agent_pods *p, daas_agent_pods_pod *pod, daas_agent_pods_ctr *c,
                      const char *id, unsigned n)
{
    c->restarts = n;
    c->created = true;
    daas_free(c->id);
    c->id = daas_xstrdup(id);
    char *rootfs = rootfs_path(p, pod, c);
    c->rootfs_ready = access(rootfs, F_OK) == 0;
    daas_free(rootfs);
    set_running(c); /* the next sync sees an exit that happened meanwhile */
    DAAS_INFO(MOD, "pod %s/%s container %s: adopted %s", pod->ns, pod->name, c->name, id);
}

bool daas_agent_pods__adopt(daas_agent_pods *p, daas_agent_pods_pod *pod, char *const *ids)
{
    bool any = false;
    for (size_t i = 0; i < pod->n_ctrs; i++) {
        daas_agent_pods_ctr *c = &pod->ctrs[i];
        const char *best = NULL;
        unsigned top = 0, n;
        for (size_t k = 0; ids != NULL && ids[k] != NULL; k++)
            if (daas_agent_pods__run_of(ids[k], pod->uid, c->name, &n) &&
                (best == NULL || n > top)) {
                best = ids[k];
                top = n;
            }
        if (best == NULL)
            continue;
        for (size_t k = 0; ids[k] != NULL; k++) { /* earlier runs: their logs stay */
            daas_err e = {0};
            if (daas_agent_pods__run_of(ids[k], pod->uid, c->name, &n) && n < top &&
                daas_rt_delete(p->o.rt, ids[k], true, &e) != DAAS_OK)
                DAAS_WARN(MOD, "deleting container %s: %s", ids[k], e.msg);
        }
        adopt_run(p, pod, c, best, top);
        any = true;
    }
    return any;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    if (remove(path) != 0) {
        /* a busy mount point stays; the next cleanup of this uid retries */
    }
    return 0;
}

void daas_agent_pods__cleanup(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    for (size_t i = 0; i < pod->n_ctrs; i++) {
        daas_agent_pods_ctr *c = &pod->ctrs[i];
        for (unsigned n = 0; n <= c->restarts; n++) {
            char *id = daas_agent_ctr_id(pod->uid, c->name, n);
            daas_err e = {0};
            if (daas_rt_stop(p->o.rt, id, 0, NULL, &e) != DAAS_OK && e.code != DAAS_ENOTFOUND)
                DAAS_WARN(MOD, "stopping container %s: %s", id, e.msg);
            daas_err_clear(&e);
            if (daas_rt_delete(p->o.rt, id, false, &e) != DAAS_OK)
                DAAS_WARN(MOD, "deleting container %s: %s", id, e.msg);
            daas_free(id);
        }
    }
    daas_agent_pods__res_teardown(p, pod);
    char *dir = daas_xasprintf("%s/pods/%s", p->o.data_dir, pod->uid);
    /* FTW_MOUNT: never into a volume still mounted there */
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    daas_free(dir);
    DAAS_INFO(MOD, "pod %s/%s removed: containers, logs and rootfs deleted", pod->ns, pod->name);
}
