/*
 * kind_pod.c: core/v1 pods: Table row, server-side defaults, QoS class, validation.
 *
 * Owns:   the pod hooks of the kinds table and the PodSpec defaults/validation that
 *         kind_apps.c reuses for pod templates.
 * Not:    scheduling, binding, logs (api/ and the node agent).
 * Invariants: hooks are pure; defaults are idempotent (defaults(defaults(x)) == defaults(x)).
 * Spec:   specs/kube-api.md §4.1, §6.4; upstream 1.32 printers.go printPod,
 *         pkg/apis/core/v1/defaults.go, pkg/apis/core/validation (ValidatePodSpec,
 *         ValidatePodUpdate), pkg/apis/core/helper/qos, DefaultTolerationSeconds admission.
 */
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

/* ------------------------------------------------------------------ row */

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* In the array at the pod's path, whether the first element with key == val has
 * field == want (false when there is no such element). */
static bool first_with_is(const json_t *pod, const char *path, const char *key, const char *val,
                          const char *field, const char *want)
{
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(pod, path), i, c)
    {
        if (streq(json_string_value(json_object_get(c, key)), val))
            return streq(json_string_value(json_object_get(c, field)), want);
    }
    return false;
}

/* True when the pod has a condition of type with status "True". */
static bool pod_condition_true(const json_t *pod, const char *type)
{
    return first_with_is(pod, "status.conditions", "type", type, "status", "True");
}

/* The init container spec named name, when it is restartable (a sidecar). */
static bool restartable_init(const json_t *pod, const char *name)
{
    return first_with_is(pod, "spec.initContainers", "name", name, "restartPolicy", "Always");
}

/* Accumulated counters of printPod. */
typedef struct podsum {
    int64_t restarts, ric_restarts; /* all / restartable-init restarts */
    int64_t last, ric_last;         /* latest lastState.terminated.finishedAt (unix, 0 none) */
    int64_t total, ready;           /* containers counted for READY */
    char reason[128];               /* STATUS */
} podsum;

static void note_restart(const json_t *cs, int64_t *count, int64_t *last)
{
    int64_t t = 0;
    *count += daas_kube_int(cs, "restartCount", 0);
    const char *fin = daas_kube_str(cs, "lastState.terminated.finishedAt");
    if (fin != NULL && daas_time_parse(fin, &t) == DAAS_OK && t > *last)
        *last = t;
}

/* "Init:<reason>", "Init:Signal:9", "Init:ExitCode:1" (prefix "" for main containers). */
static void terminated_reason(const json_t *term, const char *prefix, char *buf, size_t n)
{
    const char *r = json_string_value(json_object_get(term, "reason"));
    int64_t sig = daas_kube_int(term, "signal", 0);
    if (r != NULL && *r != '\0')
        snprintf(buf, n, "%s%s", prefix, r);
    else if (sig != 0)
        snprintf(buf, n, "%sSignal:%lld", prefix, (long long)sig);
    else
        snprintf(buf, n, "%sExitCode:%lld", prefix, (long long)daas_kube_int(term, "exitCode", 0));
}

/* Walks init container statuses; returns true while the pod is still initializing. */
static bool scan_init(const json_t *pod, podsum *s)
{
    size_t i, ninit = json_array_size(daas_kube_path(pod, "spec.initContainers"));
    json_t *cs;
    json_array_foreach(daas_kube_path(pod, "status.initContainerStatuses"), i, cs)
    {
        const char *name = json_string_value(json_object_get(cs, "name"));
        bool ric = restartable_init(pod, name);
        json_t *term = daas_kube_path(cs, "state.terminated");
        const char *wait = daas_kube_str(cs, "state.waiting.reason");
        note_restart(cs, &s->restarts, &s->last);
        if (ric)
            note_restart(cs, &s->ric_restarts, &s->ric_last);
        if (json_is_object(term) && daas_kube_int(term, "exitCode", 0) == 0)
            continue;
        if (ric && json_is_true(json_object_get(cs, "started"))) {
            s->ready += json_is_true(json_object_get(cs, "ready"));
            continue;
        }
        if (json_is_object(term))
            terminated_reason(term, "Init:", s->reason, sizeof s->reason);
        else if (wait != NULL && *wait != '\0' && strcmp(wait, "PodInitializing") != 0)
            snprintf(s->reason, sizeof s->reason, "Init:%s", wait);
        else
            snprintf(s->reason, sizeof s->reason, "Init:%zu/%zu", i, ninit);
        return true;
    }
    return false;
}

static void scan_main(const json_t *pod, podsum *s)
{
    json_t *all = daas_kube_path(pod, "status.containerStatuses");
    bool running = false;
    s->restarts = s->ric_restarts;
    s->last = s->ric_last;
    for (size_t i = json_array_size(all); i-- > 0;) {
        json_t *cs = json_array_get(all, i);
        json_t *term = daas_kube_path(cs, "state.terminated");
        const char *wait = daas_kube_str(cs, "state.waiting.reason");
        note_restart(cs, &s->restarts, &s->last);
        if (wait != NULL && *wait != '\0')
            snprintf(s->reason, sizeof s->reason, "%s", wait);
        else if (json_is_object(term))
            terminated_reason(term, "", s->reason, sizeof s->reason);
        else if (json_is_true(json_object_get(cs, "ready")) &&
                 json_is_object(daas_kube_path(cs, "state.running"))) {
            running = true;
            s->ready++;
        }
    }
    if (strcmp(s->reason, "Completed") == 0 && running)
        snprintf(s->reason, sizeof s->reason, "%s",
                 pod_condition_true(pod, "Ready") ? "Running" : "NotReady");
}

/* STATUS, READY and RESTARTS as upstream printPod computes them. */
static void pod_summary(const json_t *pod, podsum *s)
{
    const char *phase = daas_kube_str(pod, "status.phase");
    const char *sreason = daas_kube_str(pod, "status.reason");
    size_t i;
    json_t *c;
    memset(s, 0, sizeof *s);
    snprintf(s->reason, sizeof s->reason, "%s",
             sreason && *sreason ? sreason : (phase ? phase : ""));
    json_array_foreach(daas_kube_path(pod, "status.conditions"), i, c)
    {
        if (streq(json_string_value(json_object_get(c, "type")), "PodScheduled") &&
            streq(json_string_value(json_object_get(c, "reason")), "SchedulingGated"))
            snprintf(s->reason, sizeof s->reason, "SchedulingGated");
    }
    s->total = (int64_t)json_array_size(daas_kube_path(pod, "spec.containers"));
    json_array_foreach(daas_kube_path(pod, "spec.initContainers"), i, c)
    {
        s->total += streq(json_string_value(json_object_get(c, "restartPolicy")), "Always");
    }
    bool initializing = scan_init(pod, s);
    if (!initializing || pod_condition_true(pod, "Initialized"))
        scan_main(pod, s);
    if (daas_kube_str(pod, "metadata.deletionTimestamp") != NULL) {
        if (streq(sreason, "NodeLost"))
            snprintf(s->reason, sizeof s->reason, "Unknown");
        else if (!streq(phase, "Succeeded") && !streq(phase, "Failed"))
            snprintf(s->reason, sizeof s->reason, "Terminating");
    }
}

static json_t *readiness_gates(const json_t *pod)
{
    json_t *gates = daas_kube_path(pod, "spec.readinessGates");
    size_t i, n = json_array_size(gates);
    json_t *g;
    int64_t ok = 0;
    if (n == 0)
        return json_string("<none>");
    json_array_foreach(gates, i, g)
    {
        ok += pod_condition_true(pod, json_string_value(json_object_get(g, "conditionType")));
    }
    char buf[48];
    snprintf(buf, sizeof buf, "%lld/%zu", (long long)ok, n);
    return json_string(buf);
}

json_t *daas_kube__pod_row(const json_t *obj, int64_t now)
{
    podsum s;
    char buf[96];
    pod_summary(obj, &s);
    json_t *row = json_array();
    json_array_append_new(row, json_string(or_empty(daas_kube_str(obj, "metadata.name"))));
    snprintf(buf, sizeof buf, "%lld/%lld", (long long)s.ready, (long long)s.total);
    json_array_append_new(row, json_string(buf));
    json_array_append_new(row, json_string(s.reason));
    if (s.restarts != 0 && s.last != 0) {
        char ago[32];
        daas_human_duration(now - s.last, ago, sizeof ago);
        snprintf(buf, sizeof buf, "%lld (%s ago)", (long long)s.restarts, ago);
    } else {
        snprintf(buf, sizeof buf, "%lld", (long long)s.restarts);
    }
    json_array_append_new(row, json_string(buf));
    json_array_append_new(row, daas_kube_cell_age(obj, now));
    const char *ip = json_string_value(
        json_object_get(json_array_get(daas_kube_path(obj, "status.podIPs"), 0), "ip"));
    json_array_append_new(row, daas_kube_cell_str(ip ? ip : daas_kube_str(obj, "status.podIP")));
    json_array_append_new(row, daas_kube_cell_str(daas_kube_str(obj, "spec.nodeName")));
    json_array_append_new(row, daas_kube_cell_str(daas_kube_str(obj, "status.nominatedNodeName")));
    json_array_append_new(row, readiness_gates(obj));
    return row;
}

/* -------------------------------------------------------------- defaults */

/* SetDefaults_Container: Always for ":latest" or no tag (and no digest), else IfNotPresent.
 * SPEC: pkg/apis/core/v1/defaults.go + kubelet parsers.ParseImageName. */
static const char *pull_policy_for(const char *image)
{
    const char *at = strchr(image, '@');
    size_t n = at ? (size_t)(at - image) : strlen(image);
    const char *slash = memrchr(image, '/', n);
    const char *start = slash ? slash + 1 : image;
    const char *colon = memchr(start, ':', n - (size_t)(start - image));
    if (colon == NULL)
        return at != NULL ? "IfNotPresent" : "Always";
    size_t tlen = n - (size_t)(colon + 1 - image);
    return (tlen == 6 && strncmp(colon + 1, "latest", 6) == 0) ? "Always" : "IfNotPresent";
}

static void httpget_defaults(json_t *h)
{
    if (!json_is_object(h))
        return;
    daas_kube__setdef(h, "path", json_string("/"));
    daas_kube__setdef(h, "scheme", json_string("HTTP"));
}

/* SetDefaults_Probe + its HTTPGetAction. */
static void probe_defaults(json_t *p)
{
    if (!json_is_object(p))
        return;
    daas_kube__setdef(p, "timeoutSeconds", json_integer(1));
    daas_kube__setdef(p, "periodSeconds", json_integer(10));
    daas_kube__setdef(p, "successThreshold", json_integer(1));
    daas_kube__setdef(p, "failureThreshold", json_integer(3));
    httpget_defaults(json_object_get(p, "httpGet"));
}

static void fieldref_defaults(json_t *ref)
{
    if (json_is_object(ref))
        daas_kube__setdef(ref, "apiVersion", json_string("v1"));
}

static void container_defaults(json_t *c, bool host_network)
{
    size_t i;
    json_t *x;
    if (!json_is_object(c))
        return;
    const char *image = json_string_value(json_object_get(c, "image"));
    daas_kube__setdef(c, "imagePullPolicy", json_string(pull_policy_for(image ? image : "")));
    daas_kube__setdef(c, "terminationMessagePath", json_string("/dev/termination-log"));
    daas_kube__setdef(c, "terminationMessagePolicy", json_string("File"));
    daas_kube__setdef(c, "resources", json_object());
    json_array_foreach(json_object_get(c, "ports"), i, x)
    {
        if (!json_is_object(x))
            continue;
        daas_kube__setdef(x, "protocol", json_string("TCP"));
        /* defaultHostNetworkPorts: with hostNetwork the host port is the container port. */
        if (host_network && daas_kube_int(x, "hostPort", 0) == 0 &&
            json_is_integer(json_object_get(x, "containerPort")))
            json_object_set(x, "hostPort", json_object_get(x, "containerPort"));
    }
    probe_defaults(json_object_get(c, "livenessProbe"));
    probe_defaults(json_object_get(c, "readinessProbe"));
    probe_defaults(json_object_get(c, "startupProbe"));
    httpget_defaults(daas_kube_path(c, "lifecycle.postStart.httpGet"));
    httpget_defaults(daas_kube_path(c, "lifecycle.preStop.httpGet"));
    json_array_foreach(json_object_get(c, "env"), i, x)
    {
        fieldref_defaults(daas_kube_path(x, "valueFrom.fieldRef"));
    }
}

/* SetDefaults_Volume and the defaultMode of secret/configMap/downwardAPI/projected. */
static void volume_defaults(json_t *vol)
{
    static const char *const moded[] = {"secret", "configMap", "downwardAPI", "projected", NULL};
    size_t i;
    json_t *item;
    if (!json_is_object(vol))
        return;
    if (json_object_size(vol) == 1 && json_object_get(vol, "name") != NULL)
        json_object_set_new(vol, "emptyDir", json_object());
    for (int k = 0; moded[k] != NULL; k++) {
        json_t *src = json_object_get(vol, moded[k]);
        if (json_is_object(src))
            daas_kube__setdef(src, "defaultMode", json_integer(420));
    }
    json_array_foreach(daas_kube_path(vol, "downwardAPI.items"), i, item)
    {
        fieldref_defaults(json_object_get(item, "fieldRef"));
    }
}

void daas_kube__podspec_defaults(json_t *spec)
{
    size_t i;
    json_t *x;
    if (!json_is_object(spec))
        return;
    bool hostnet = json_is_true(json_object_get(spec, "hostNetwork"));
    daas_kube__setdef(spec, "dnsPolicy", json_string("ClusterFirst"));
    daas_kube__setdef(spec, "restartPolicy", json_string("Always"));
    daas_kube__setdef(spec, "securityContext", json_object());
    daas_kube__setdef(spec, "terminationGracePeriodSeconds", json_integer(30));
    daas_kube__setdef(spec, "schedulerName", json_string("default-scheduler"));
    json_array_foreach(json_object_get(spec, "containers"), i, x)
    {
        container_defaults(x, hostnet);
    }
    json_array_foreach(json_object_get(spec, "initContainers"), i, x)
    {
        container_defaults(x, hostnet);
    }
    json_array_foreach(json_object_get(spec, "volumes"), i, x)
    {
        volume_defaults(x);
    }
}

/* SetDefaults_Pod: requests default to limits, container by container. */
static void requests_from_limits(json_t *containers)
{
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        json_t *lim = daas_kube_path(c, "resources.limits");
        const char *k;
        json_t *q;
        if (!json_is_object(lim) || json_object_size(lim) == 0)
            continue;
        json_t *req = daas_kube_mkpath(c, "resources.requests");
        json_object_foreach(lim, k, q)
        {
            if (json_object_get(req, k) == NULL)
                json_object_set(req, k, q);
        }
    }
}

/* True when some toleration already covers key with effect NoExecute. */
static bool tolerates(const json_t *tols, const char *key)
{
    size_t i;
    json_t *t;
    json_array_foreach(tols, i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        const char *e = json_string_value(json_object_get(t, "effect"));
        if ((k == NULL || *k == '\0' || strcmp(k, key) == 0) &&
            (e == NULL || *e == '\0' || strcmp(e, "NoExecute") == 0))
            return true;
    }
    return false;
}

void daas_kube_pod_default_tolerations(json_t *pod, int64_t not_ready_s, int64_t unreachable_s)
{
    static const char *const keys[] = {"node.kubernetes.io/not-ready",
                                       "node.kubernetes.io/unreachable"};
    const int64_t secs[] = {not_ready_s, unreachable_s};
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec))
        return;
    for (int i = 0; i < 2; i++) {
        if (tolerates(json_object_get(spec, "tolerations"), keys[i]))
            continue;
        json_array_append_new(daas_kube__arr(spec, "tolerations"),
                              json_pack("{s:s, s:s, s:s, s:I}", "key", keys[i], "operator",
                                        "Exists", "effect", "NoExecute", "tolerationSeconds",
                                        (json_int_t)secs[i]));
    }
}

/* ServiceAccount and Priority admission, and the serviceAccount mirror of conversion. */
static void admission_defaults(json_t *spec)
{
    const char *sa = json_string_value(json_object_get(spec, "serviceAccountName"));
    const char *dep = json_string_value(json_object_get(spec, "serviceAccount"));
    if (sa == NULL || *sa == '\0')
        sa = (dep != NULL && *dep != '\0') ? dep : "default";
    json_object_set_new(spec, "serviceAccountName", json_string(sa));
    json_object_set(spec, "serviceAccount", json_object_get(spec, "serviceAccountName"));
    const char *pc = json_string_value(json_object_get(spec, "priorityClassName"));
    int64_t prio = 0;
    if (streq(pc, "system-node-critical"))
        prio = 2000001000;
    else if (streq(pc, "system-cluster-critical"))
        prio = 2000000000;
    daas_kube__setdef(spec, "priority", json_integer(prio));
    daas_kube__setdef(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
    daas_kube__setdef(spec, "enableServiceLinks", json_true());
}

static const char *pod_qos(const json_t *spec);

void daas_kube__pod_defaults(json_t *obj, const json_t *old)
{
    json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec))
        return;
    daas_kube__podspec_defaults(spec);
    requests_from_limits(json_object_get(spec, "containers"));
    requests_from_limits(json_object_get(spec, "initContainers"));
    admission_defaults(spec);
    if (old != NULL)
        return;
    daas_kube_pod_default_tolerations(obj, DAAS_KUBE_DEFAULT_TOLERATION,
                                      DAAS_KUBE_DEFAULT_TOLERATION);
    json_t *status = daas_kube_mkpath(obj, "status");
    daas_kube__setdef(status, "phase", json_string("Pending"));
    json_object_set_new(status, "qosClass", json_string(pod_qos(spec)));
    if (json_array_size(json_object_get(spec, "schedulingGates")) > 0 &&
        json_array_size(json_object_get(status, "conditions")) == 0)
        json_object_set_new(status, "conditions",
                            json_pack("[{s:s, s:s, s:s, s:s}]", "type", "PodScheduled", "status",
                                      "False", "reason", "SchedulingGated", "message",
                                      "Scheduling is blocked due to non-empty scheduling gates"));
}

/* ------------------------------------------------------------------- QoS */

typedef __int128 qty_t; /* a quantity in nano-units, saturating near 1e36 */
#define QTY_CAP ((qty_t)1000000000000000000LL * (qty_t)1000000000000000000LL)

static qty_t qty_mul(qty_t a, int64_t m)
{
    return (a > QTY_CAP / m) ? QTY_CAP : a * m;
}

/* Scales mant (with frac decimal digits) by 10^e10 * 1024^k into nano-units. */
static qty_t qty_scale(qty_t mant, int frac, int e10, int k)
{
    int e = 9 - frac + e10;
    for (; e > 0; e--)
        mant = qty_mul(mant, 10);
    for (; e < 0; e++)
        mant /= 10;
    for (; k > 0; k--)
        mant = qty_mul(mant, 1024);
    return mant;
}

/* The suffix of a quantity: decimal power e10 or binary power k (of 1024). */
static bool qty_suffix(const char *p, int *e10, int *k)
{
    static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    static const char dec[] = "num kMGTPE";
    *e10 = 0;
    *k = 0;
    if (*p == '\0')
        return true;
    for (int i = 0; i < 6; i++) {
        if (strcmp(p, bin[i]) == 0) {
            *k = i + 1;
            return true;
        }
    }
    if ((*p == 'e' || *p == 'E') && p[1] != '\0') {
        char *end;
        long x = strtol(p + 1, &end, 10);
        *e10 = (int)x;
        return *end == '\0' && x >= -40 && x <= 40;
    }
    const char *d = strchr(dec, *p);
    if (d == NULL || p[1] != '\0' || *p == ' ')
        return false;
    *e10 = (int)(d - dec) * 3 - 9;
    return true;
}

/* A resource.Quantity (string or JSON number) in nano-units; false when malformed. */
static bool qty_parse(const json_t *q, qty_t *out)
{
    if (json_is_integer(q)) {
        *out = qty_scale(json_integer_value(q) < 0 ? 0 : json_integer_value(q), 0, 0, 0);
        return true;
    }
    if (json_is_real(q)) {
        *out = json_real_value(q) <= 0 ? 0 : (qty_t)(json_real_value(q) * 1e9);
        return true;
    }
    const char *p = json_string_value(q);
    qty_t mant = 0;
    int frac = 0, digits = 0, e10, k;
    bool neg = false, dot = false;
    if (p == NULL)
        return false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; (*p >= '0' && *p <= '9') || (*p == '.' && !dot); p++) {
        if (*p == '.') {
            dot = true;
            continue;
        }
        if (digits++ < 30) {
            mant = mant * 10 + (*p - '0');
            frac += dot;
        }
    }
    if (digits == 0 || !qty_suffix(p, &e10, &k))
        return false;
    *out = neg ? 0 : qty_scale(mant, frac, e10, k);
    return true;
}

/* qos.GetPodQOS over cpu and memory (the "supported QoS compute resources"). */
static const char *pod_qos(const json_t *spec)
{
    static const char *const res[2] = {"cpu", "memory"};
    static const char *const lists[2] = {"containers", "initContainers"};
    qty_t req[2] = {0, 0}, lim[2] = {0, 0}, q;
    bool hreq[2] = {false, false}, hlim[2] = {false, false}, guaranteed = true;
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            int found = 0;
            for (int r = 0; r < 2; r++) {
                json_t *rq = daas_kube_path(json_object_get(c, "resources"), "requests");
                json_t *lm = daas_kube_path(json_object_get(c, "resources"), "limits");
                if (qty_parse(json_object_get(rq, res[r]), &q) && q > 0) {
                    req[r] += q;
                    hreq[r] = true;
                }
                if (qty_parse(json_object_get(lm, res[r]), &q) && q > 0) {
                    lim[r] += q;
                    hlim[r] = true;
                    found++;
                }
            }
            guaranteed = guaranteed && found == 2;
        }
    }
    int nreq = hreq[0] + hreq[1], nlim = hlim[0] + hlim[1];
    if (nreq == 0 && nlim == 0)
        return "BestEffort";
    for (int r = 0; r < 2 && guaranteed; r++)
        if (hreq[r] && (!hlim[r] || lim[r] != req[r]))
            guaranteed = false;
    return guaranteed && nreq == nlim ? "Guaranteed" : "Burstable";
}

/* ------------------------------------------------------------ validation */

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
                                           "None", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const msg_policies[] = {"File", "FallbackToLogsOnError", NULL};

static void check_container_ports(daas_kube_verr *v, const json_t *c, const char *path)
{
    char f[DAAS_KUBE__PATH_MAX];
    json_t *names = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c, "ports"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        int64_t cport = daas_kube_int(p, "containerPort", 0);
        int64_t hport = daas_kube_int(p, "hostPort", 0);
        snprintf(f, sizeof f, "%s.ports[%zu].name", path, i);
        if (name != NULL && *name != '\0') {
            daas_kube__check_port_name(v, f, name);
            daas_kube__check_unique(v, f, name, names);
        }
        snprintf(f, sizeof f, "%s.ports[%zu].containerPort", path, i);
        if (cport == 0)
            daas_kube__req(v, f, NULL);
        else
            daas_kube__check_port(v, f, cport);
        snprintf(f, sizeof f, "%s.ports[%zu].hostPort", path, i);
        if (hport != 0)
            daas_kube__check_port(v, f, hport);
        snprintf(f, sizeof f, "%s.ports[%zu].protocol", path, i);
        daas_kube__check_enum(v, p, "protocol", f, daas_kube__protocols);
    }
    json_decref(names);
}

#define MSG_ENV_NAME                                                                               \
    "a valid environment variable name must consist of alphabetic characters, digits, '_', "       \
    "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  "       \
    "or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

static bool env_name_ok(const char *s)
{
    if (*s == '\0' || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

static void check_env_and_mounts(daas_kube_verr *v, const json_t *c, const char *path,
                                 const json_t *volumes)
{
    char f[DAAS_KUBE__PATH_MAX];
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        snprintf(f, sizeof f, "%s.env[%zu].name", path, i);
        if (name == NULL || *name == '\0')
            daas_kube__req(v, f, NULL);
        else if (!env_name_ok(name))
            daas_kube__inv_str(v, f, name, MSG_ENV_NAME);
    }
    json_array_foreach(json_object_get(c, "volumeMounts"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *mp = json_string_value(json_object_get(e, "mountPath"));
        snprintf(f, sizeof f, "%s.volumeMounts[%zu].name", path, i);
        if (name == NULL || *name == '\0') {
            daas_kube__req(v, f, NULL);
        } else if (json_object_get(volumes, name) == NULL) {
            char q[300];
            daas_kube__go_quote(name, q, sizeof q);
            daas_kube_verr_add(v, "FieldValueNotFound", f, "Not found: %s", q);
        }
        snprintf(f, sizeof f, "%s.volumeMounts[%zu].mountPath", path, i);
        if (mp == NULL || *mp == '\0')
            daas_kube__req(v, f, NULL);
    }
}

/* One container: name (label, unique across all containers), image, policies, ports, env. */
static void check_container(daas_kube_verr *v, const json_t *c, const char *path, json_t *seen,
                            const json_t *volumes)
{
    char f[DAAS_KUBE__PATH_MAX];
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *image = json_string_value(json_object_get(c, "image"));
    snprintf(f, sizeof f, "%s.name", path);
    if (name == NULL || *name == '\0') {
        daas_kube__req(v, f, NULL);
    } else {
        daas_kube__check_dns_label(v, f, name);
        daas_kube__check_unique(v, f, name, seen);
    }
    snprintf(f, sizeof f, "%s.image", path);
    if (image == NULL || *image == '\0')
        daas_kube__req(v, f, NULL);
    snprintf(f, sizeof f, "%s.imagePullPolicy", path);
    daas_kube__check_enum(v, c, "imagePullPolicy", f, pull_policies);
    snprintf(f, sizeof f, "%s.terminationMessagePolicy", path);
    daas_kube__check_enum(v, c, "terminationMessagePolicy", f, msg_policies);
    check_container_ports(v, c, path);
    check_env_and_mounts(v, c, path, volumes);
}

/* Volume names: required, DNS labels, unique. Returns the set of names (caller decrefs). */
static json_t *check_volumes(daas_kube_verr *v, const json_t *spec, const char *path)
{
    char f[DAAS_KUBE__PATH_MAX];
    json_t *seen = json_object();
    size_t i;
    json_t *vol;
    json_array_foreach(json_object_get(spec, "volumes"), i, vol)
    {
        const char *name = json_string_value(json_object_get(vol, "name"));
        snprintf(f, sizeof f, "%s.volumes[%zu].name", path, i);
        if (name == NULL || *name == '\0') {
            daas_kube__req(v, f, NULL);
            continue;
        }
        daas_kube__check_dns_label(v, f, name);
        daas_kube__check_unique(v, f, name, seen);
    }
    return seen;
}

static void check_tolerations(daas_kube_verr *v, const json_t *spec, const char *path)
{
    static const char *const ops[] = {"Equal", "Exists", NULL};
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    char f[DAAS_KUBE__PATH_MAX];
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(spec, "tolerations"), i, t)
    {
        const char *op = json_string_value(json_object_get(t, "operator"));
        const char *eff = json_string_value(json_object_get(t, "effect"));
        if (op != NULL && *op != '\0') {
            snprintf(f, sizeof f, "%s.tolerations[%zu].operator", path, i);
            daas_kube__check_enum(v, t, "operator", f, ops);
        }
        if (eff != NULL && *eff != '\0') {
            snprintf(f, sizeof f, "%s.tolerations[%zu].effect", path, i);
            daas_kube__check_enum(v, t, "effect", f, effects);
        }
    }
}

static void check_containers(daas_kube_verr *v, const json_t *spec, const char *path,
                             const json_t *volumes)
{
    char f[DAAS_KUBE__PATH_MAX];
    json_t *seen = json_object();
    size_t i;
    json_t *c;
    snprintf(f, sizeof f, "%s.containers", path);
    if (json_array_size(json_object_get(spec, "containers")) == 0)
        daas_kube__req(v, f, NULL);
    json_array_foreach(json_object_get(spec, "containers"), i, c)
    {
        snprintf(f, sizeof f, "%s.containers[%zu]", path, i);
        check_container(v, c, f, seen, volumes);
    }
    json_array_foreach(json_object_get(spec, "initContainers"), i, c)
    {
        snprintf(f, sizeof f, "%s.initContainers[%zu]", path, i);
        check_container(v, c, f, seen, volumes);
    }
    json_decref(seen);
}

void daas_kube__podspec_validate(const json_t *spec, const char *path, daas_kube_verr *v)
{
    char f[DAAS_KUBE__PATH_MAX];
    json_t *vols = check_volumes(v, spec, path);
    check_containers(v, spec, path, vols);
    json_decref(vols);
    snprintf(f, sizeof f, "%s.restartPolicy", path);
    daas_kube__check_enum(v, spec, "restartPolicy", f, restart_policies);
    snprintf(f, sizeof f, "%s.dnsPolicy", path);
    daas_kube__check_enum(v, spec, "dnsPolicy", f, dns_policies);
    json_t *ads = json_object_get(spec, "activeDeadlineSeconds");
    snprintf(f, sizeof f, "%s.activeDeadlineSeconds", path);
    if (json_is_integer(ads) &&
        (json_integer_value(ads) < 1 || json_integer_value(ads) > 2147483647))
        daas_kube__inv_int(v, f, json_integer_value(ads),
                           "must be between 1 and 2147483647, inclusive");
    snprintf(f, sizeof f, "%s.nodeSelector", path);
    daas_kube__check_labels(v, json_object_get(spec, "nodeSelector"), f);
    const char *sa = json_string_value(json_object_get(spec, "serviceAccountName"));
    snprintf(f, sizeof f, "%s.serviceAccountName", path);
    if (sa != NULL && *sa != '\0')
        daas_kube__check_dns_subdomain(v, f, sa);
    const char *host = json_string_value(json_object_get(spec, "hostname"));
    snprintf(f, sizeof f, "%s.hostname", path);
    if (host != NULL && *host != '\0')
        daas_kube__check_dns_label(v, f, host);
    check_tolerations(v, spec, path);
}

/* ------------------------------------------------------------ pod update */

/* SPEC: pkg/apis/core/validation ValidatePodUpdate (1.32), without the trailing Go diff. */
#define MSG_POD_UPDATE                                                                             \
    "pod updates may not change fields other than `spec.containers[*].image`,"                     \
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "        \
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "     \
    "set to 1 if it was previously negative)"

/* Go zero value: missing, null, "", 0, false, or an object whose values are all zero. */
static bool sem_zero(const json_t *a)
{
    const char *k;
    json_t *x;
    if (daas_kube_is_empty(a))
        return true;
    if (!json_is_object(a))
        return false;
    json_object_foreach((json_t *)a, k, x)
    {
        if (!sem_zero(x))
            return false;
    }
    return true;
}

/* apiequality.Semantic.DeepEqual on decoded JSON: empty and missing collections and zero
 * scalars compare equal to absent fields. */
static bool sem_equal(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *x;
    if (sem_zero(a) && sem_zero(b))
        return true;
    if (a == NULL || b == NULL)
        return false;
    if (json_is_object(a) && json_is_object(b)) {
        json_object_foreach((json_t *)a, k, x)
        {
            if (!sem_equal(x, json_object_get(b, k)))
                return false;
        }
        json_object_foreach((json_t *)b, k, x)
        {
            if (json_object_get(a, k) == NULL && !sem_zero(x))
                return false;
        }
        return true;
    }
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!sem_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

static void munge_images(json_t *mspec, const json_t *ospec, const char *key)
{
    json_t *nl = json_object_get(mspec, key), *ol = json_object_get(ospec, key);
    for (size_t i = 0; i < json_array_size(nl) && i < json_array_size(ol); i++) {
        json_t *img = json_object_get(json_array_get(ol, i), "image");
        json_t *c = json_array_get(nl, i);
        if (!json_is_object(c))
            continue;
        if (img != NULL)
            json_object_set(c, "image", img);
        else
            json_object_del(c, "image");
    }
}

/* validateOnlyAddedTolerations: every old toleration is still present (tolerationSeconds may
 * change). */
static bool only_added_tolerations(const json_t *nl, const json_t *ol)
{
    size_t i, j;
    json_t *o, *n;
    json_array_foreach(ol, i, o)
    {
        bool found = false;
        json_array_foreach(nl, j, n)
        {
            json_t *clone = json_deep_copy(o);
            json_t *ts = json_object_get(n, "tolerationSeconds");
            if (json_is_object(clone) && ts != NULL)
                json_object_set(clone, "tolerationSeconds", ts);
            else if (json_is_object(clone))
                json_object_del(clone, "tolerationSeconds");
            found = sem_equal(clone, n);
            json_decref(clone);
            if (found)
                break;
        }
        if (!found)
            return false;
    }
    return true;
}

/* Returns false (after adding a cause) when activeDeadlineSeconds changed illegally. */
static bool check_deadline_update(const json_t *spec, const json_t *ospec, daas_kube_verr *v)
{
    json_t *n = json_object_get(spec, "activeDeadlineSeconds");
    json_t *o = json_object_get(ospec, "activeDeadlineSeconds");
    if (json_is_integer(n) && json_is_integer(o) && json_integer_value(o) < json_integer_value(n)) {
        daas_kube__inv_int(v, "spec.activeDeadlineSeconds", json_integer_value(n),
                           "must be less than or equal to previous value");
        return false;
    }
    if (!json_is_integer(n) && json_is_integer(o)) {
        daas_kube__inv_str(v, "spec.activeDeadlineSeconds", "null",
                           "must not update from a positive integer to nil value");
        return false;
    }
    return true;
}

/* Scheduling gates may only be removed. */
static bool gates_removed_only(const json_t *nl, const json_t *ol)
{
    size_t i, j;
    json_t *n, *o;
    json_array_foreach(nl, i, n)
    {
        bool found = false;
        json_array_foreach(ol, j, o)
        {
            found = found || sem_equal(n, o);
        }
        if (!found)
            return false;
    }
    return true;
}

static void pod_update_validate(const json_t *spec, const json_t *ospec, daas_kube_verr *v)
{
    if (!check_deadline_update(spec, ospec, v))
        return;
    json_t *m = json_is_object(spec) ? json_deep_copy(spec) : json_object();
    munge_images(m, ospec, "containers");
    munge_images(m, ospec, "initContainers");
    json_t *ads = json_object_get(ospec, "activeDeadlineSeconds");
    if (ads != NULL)
        json_object_set(m, "activeDeadlineSeconds", ads);
    else
        json_object_del(m, "activeDeadlineSeconds");
    json_t *otg = json_object_get(ospec, "terminationGracePeriodSeconds");
    if (json_integer_value(otg) < 0 && daas_kube_int(m, "terminationGracePeriodSeconds", 0) == 1)
        json_object_set(m, "terminationGracePeriodSeconds", otg);
    json_t *otol = json_object_get(ospec, "tolerations");
    if (!only_added_tolerations(json_object_get(m, "tolerations"), otol))
        daas_kube__forbid(v, "spec.tolerations",
                          "existing toleration can not be modified except its tolerationSeconds");
    json_object_set_new(m, "tolerations", otol ? json_incref(otol) : json_array());
    json_t *ogates = json_object_get(ospec, "schedulingGates");
    if (gates_removed_only(json_object_get(m, "schedulingGates"), ogates))
        json_object_set_new(m, "schedulingGates", ogates ? json_incref(ogates) : json_array());
    if (!sem_equal(m, ospec))
        daas_kube__forbid(v, "spec", MSG_POD_UPDATE);
    json_decref(m);
}

void daas_kube__pod_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *spec = json_object_get(obj, "spec");
    json_t *empty = json_object();
    daas_kube__podspec_validate(json_is_object(spec) ? spec : empty, "spec", v);
    json_decref(empty);
    if (old != NULL)
        pod_update_validate(spec, json_object_get(old, "spec"), v);
}
