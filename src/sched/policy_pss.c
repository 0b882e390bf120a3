/*
 * policy_pss.c: the Pod Security Standards v1.32 checks of the admission evaluator:
 *               one function per upstream check.
 *
 * Owns:   one function per upstream check (policy/check_*.go of pod-security-admission) and
 *         their order.
 * Not:    cluster rules, the evaluation entry point and messages (policy_rules.c); the wire
 *         formats and the JSON builder (policy.c).
 * Invariants:
 *   - texts are byte-identical to upstream's ForbiddenReason " (" ForbiddenDetail ")";
 *   - checks run in upstream's order (policy.h); nothing depends on memory layout.
 * Spec:   policy.h "Evaluation"; k8s.io/pod-security-admission v1.32 policy/.
 */
#include "sched/policy_int.h"

/* ---- baseline checks ---- */

static bool apparmor_type_ok(const char *t)
{
    return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

static bool apparmor_annotation_ok(const char *v)
{
    return v[0] == '\0' || strcmp(v, "runtime/default") == 0 || strncmp(v, "localhost/", 10) == 0;
}

/* check_appArmorProfile.go */
static bool chk_apparmor(ctx *c)
{
    strvec bad = {0}, vals = {0}, ann = {0};
    bool pod = c->v->sec.apparmor != NULL && !apparmor_type_ok(c->v->sec.apparmor);
    if (pod)
        sv_push(&vals, c->v->sec.apparmor);
    FOR_CONTAINERS(c, k)
    {
        const char *t = ctr(c, k)->sec.apparmor;
        if (t != NULL && !apparmor_type_ok(t)) {
            sv_push(&bad, ctr(c, k)->name);
            sv_push(&vals, t);
        }
    }
    for (size_t i = 0; i < c->v->n_annotations; i++) {
        const daas_sched_annotation *a = &c->v->annotations[i];
        if (strncmp(a->key, "container.apparmor.security.beta.kubernetes.io/", 47) != 0 ||
            apparmor_annotation_ok(a->value))
            continue;
        put(&c->w, a->key);
        put(&c->w, "=");
        go_quote(&c->w, a->value);
        sv_push(&ann, take(c));
    }
    bool fail = pod || bad.n || ann.n;
    if (fail) {
        sv_sort_uniq(&vals);
        if (ann.n > 1)
            qsort(ann.v, ann.n, sizeof(*ann.v), cmp_str);
        for (size_t i = 0; i < ann.n; i++)
            sv_push(&vals, ann.v[i]);
        put(&c->w, plural(vals.n, "forbidden AppArmor profile", "forbidden AppArmor profiles"));
        put(&c->w, " (");
        const char *sep = "";
        if (pod) {
            put(&c->w, "pod");
            sep = " and ";
        }
        if (bad.n) {
            put(&c->w, sep);
            who(&c->w, "container", "containers", &bad);
            sep = " and ";
        }
        if (ann.n) {
            put(&c->w, sep);
            put(&c->w, plural(ann.n, "annotation", "annotations"));
        }
        put(&c->w, " must not set AppArmor profile type to ");
        join_quote(&c->w, &vals);
        close_item(c);
    }
    sv_free(&bad);
    sv_free(&vals);
    sv_free(&ann);
    return fail;
}

static const char *const baseline_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT",
};

static bool in_list(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* check_capabilities_baseline.go */
static bool chk_caps_baseline(ctx *c)
{
    strvec bad = {0}, caps = {0};
    FOR_CONTAINERS(c, k)
    {
        const daas_sched_pcontainer *x = ctr(c, k);
        bool ok = true;
        for (size_t i = 0; x->has_caps && i < x->n_cap_add; i++)
            if (!in_list(x->cap_add[i], baseline_caps, N_OF(baseline_caps))) {
                ok = false;
                sv_push(&caps, x->cap_add[i]);
            }
        if (!ok)
            sv_push(&bad, x->name);
    }
    if (bad.n) {
        sv_sort_uniq(&caps);
        reason_detail_open(c, "non-default capabilities");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not include ");
        join_quote(&c->w, &caps);
        put(&c->w, " in securityContext.capabilities.add");
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    sv_free(&caps);
    return fail;
}

/* check_hostNamespaces.go (sorted: hostIPC, hostNetwork, hostPID) */
static bool chk_host_namespaces(ctx *c)
{
    strvec ns = {0};
    if (c->v->host_ipc)
        sv_push(&ns, "hostIPC");
    if (c->v->host_network)
        sv_push(&ns, "hostNetwork");
    if (c->v->host_pid)
        sv_push(&ns, "hostPID");
    if (ns.n) {
        reason_detail_open(c, "host namespaces");
        join(&c->w, &ns, ", ");
        close_item(c);
    }
    bool fail = ns.n > 0;
    sv_free(&ns);
    return fail;
}

/* check_hostPathVolumes.go */
static bool chk_host_path(ctx *c)
{
    strvec bad = {0};
    for (size_t i = 0; i < c->v->n_volumes; i++)
        if (c->v->volumes[i].source == DAAS_SCHED_VOL_HOST_PATH)
            sv_push(&bad, c->v->volumes[i].name);
    if (bad.n) {
        reason_detail_open(c, "hostPath volumes");
        who(&c->w, "volume", "volumes", &bad);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

/* check_hostPorts.go: ports as strings, sorted as strings (Go's sets.String). */
static bool chk_host_ports(ctx *c)
{
    strvec bad = {0}, ports = {0};
    FOR_CONTAINERS(c, k)
    {
        const daas_sched_pcontainer *x = ctr(c, k);
        for (size_t i = 0; i < x->n_host_ports; i++) {
            char tmp[16];
            int n = snprintf(tmp, sizeof(tmp), "%u", (unsigned)x->host_ports[i]);
            sv_push(&ports, daas_sched__arena_str(&c->mem, tmp, (size_t)n));
        }
        if (x->n_host_ports)
            sv_push(&bad, x->name);
    }
    if (bad.n) {
        sv_sort_uniq(&ports);
        reason_detail_open(c, "hostPort");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, plural(bad.n, " uses ", " use "));
        put(&c->w, plural(ports.n, "hostPort ", "hostPorts "));
        join(&c->w, &ports, ", ");
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    sv_free(&ports);
    return fail;
}

/* check_privileged.go */
static bool chk_privileged(ctx *c)
{
    strvec bad = {0};
    FOR_CONTAINERS(c, k)
    {
        if (ctr(c, k)->privileged == DAAS_SCHED_TRUE)
            sv_push(&bad, ctr(c, k)->name);
    }
    if (bad.n) {
        reason_detail_open(c, "privileged");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set securityContext.privileged=true");
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

/* check_procMount.go */
static bool chk_proc_mount(ctx *c)
{
    strvec bad = {0}, types = {0};
    FOR_CONTAINERS(c, k)
    {
        const char *p = ctr(c, k)->proc_mount;
        if (p != NULL && strcmp(p, "Default") != 0) {
            sv_push(&bad, ctr(c, k)->name);
            sv_push(&types, p);
        }
    }
    if (bad.n) {
        sv_sort_uniq(&types);
        reason_detail_open(c, "procMount");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set securityContext.procMount to ");
        join_quote(&c->w, &types);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    sv_free(&types);
    return fail;
}

static const char *const selinux_types[] = {
    "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t",
};

typedef struct selinux_acc {
    strvec types;
    bool user, role;
} selinux_acc;

static bool selinux_ok(const daas_sched_secctx *s, selinux_acc *a)
{
    bool ok = true;
    if (!s->has_selinux)
        return true;
    if (!in_list(s->se_type, selinux_types, N_OF(selinux_types))) {
        ok = false;
        sv_push(&a->types, s->se_type);
    }
    if (s->se_user[0] != '\0') {
        ok = false;
        a->user = true;
    }
    if (s->se_role[0] != '\0') {
        ok = false;
        a->role = true;
    }
    return ok;
}

/* check_seLinuxOptions.go (v1.31 types) */
static bool chk_selinux(ctx *c)
{
    selinux_acc a = {0};
    strvec bad = {0};
    bool pod = !selinux_ok(&c->v->sec, &a);
    FOR_CONTAINERS(c, k)
    {
        if (!selinux_ok(&ctr(c, k)->sec, &a))
            sv_push(&bad, ctr(c, k)->name);
    }
    bool fail = pod || bad.n;
    if (fail) {
        sv_sort_uniq(&a.types);
        reason_detail_open(c, "seLinuxOptions");
        if (pod)
            put(&c->w, bad.n ? "pod and " : "pod");
        if (bad.n)
            who(&c->w, "container", "containers", &bad);
        put(&c->w, " set forbidden securityContext.seLinuxOptions: ");
        if (a.types.n) {
            put(&c->w, plural(a.types.n, "type ", "types "));
            join_quote(&c->w, &a.types);
        }
        if (a.user)
            put(&c->w, a.types.n ? "; user may not be set" : "user may not be set");
        if (a.role)
            put(&c->w, a.types.n || a.user ? "; role may not be set" : "role may not be set");
        close_item(c);
    }
    sv_free(&a.types);
    sv_free(&bad);
    return fail;
}

static bool seccomp_ok(const char *t)
{
    return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

/* check_seccompProfile_baseline.go (1.19) and _restricted.go (1.19): restricted also requires
 * a profile on every container not covered by a valid pod-level one. */
static bool seccomp_check(ctx *c, bool restricted)
{
    strvec bad = {0}, vals = {0}, implicit = {0};
    const char *pt = c->v->sec.seccomp;
    bool pod = pt != NULL && !seccomp_ok(pt);
    bool pod_set = pt != NULL && !pod;
    if (pod)
        sv_push(&vals, pt);
    FOR_CONTAINERS(c, k)
    {
        const char *t = ctr(c, k)->sec.seccomp;
        if (t != NULL && !seccomp_ok(t)) {
            sv_push(&bad, ctr(c, k)->name);
            sv_push(&vals, t);
        } else if (t == NULL && !pod_set) {
            sv_push(&implicit, ctr(c, k)->name);
        }
    }
    bool fail = true;
    if (pod || bad.n) {
        sv_sort_uniq(&vals);
        reason_detail_open(c, "seccompProfile");
        if (pod)
            put(&c->w, bad.n ? "pod and " : "pod");
        if (bad.n)
            who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set securityContext.seccompProfile.type to ");
        join_quote(&c->w, &vals);
        close_item(c);
    } else if (restricted && implicit.n) {
        reason_detail_open(c, "seccompProfile");
        put(&c->w, "pod or ");
        who(&c->w, "container", "containers", &implicit);
        put(&c->w, " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
                   "\"Localhost\"");
        close_item(c);
    } else {
        fail = false;
    }
    sv_free(&bad);
    sv_free(&vals);
    sv_free(&implicit);
    return fail;
}

static bool chk_seccomp_baseline(ctx *c)
{
    return seccomp_check(c, false);
}

static const char *const safe_sysctls[] = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports", /* 1.27 */
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", /* 1.29 */
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem", /* 1.32 */
};

/* check_sysctls.go (1.32 set); names in spec order, not de-duplicated. */
static bool chk_sysctls(ctx *c)
{
    strvec bad = {0};
    for (size_t i = 0; i < c->v->n_sysctls; i++)
        if (!in_list(c->v->sysctls[i], safe_sysctls, N_OF(safe_sysctls)))
            sv_push(&bad, c->v->sysctls[i]);
    if (bad.n) {
        reason_detail_open(c, "forbidden sysctls");
        join(&c->w, &bad, ", ");
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

/* check_windowsHostProcess.go */
static bool chk_host_process(ctx *c)
{
    strvec bad = {0};
    bool pod = c->v->sec.host_process == DAAS_SCHED_TRUE;
    FOR_CONTAINERS(c, k)
    {
        if (ctr(c, k)->sec.host_process == DAAS_SCHED_TRUE)
            sv_push(&bad, ctr(c, k)->name);
    }
    bool fail = pod || bad.n;
    if (fail) {
        reason_detail_open(c, "hostProcess");
        if (pod)
            put(&c->w, bad.n ? "pod and " : "pod");
        if (bad.n)
            who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set securityContext.windowsOptions.hostProcess=true");
        close_item(c);
    }
    sv_free(&bad);
    return fail;
}

/* ---- restricted checks ---- */

/* check_allowPrivilegeEscalation.go */
static bool chk_priv_esc(ctx *c)
{
    strvec bad = {0};
    if (c->v->windows) /* 1.25: API validation forbids the field on Windows pods */
        return false;
    FOR_CONTAINERS(c, k)
    {
        if (ctr(c, k)->allow_priv_esc != DAAS_SCHED_FALSE)
            sv_push(&bad, ctr(c, k)->name);
    }
    if (bad.n) {
        reason_detail_open(c, "allowPrivilegeEscalation != false");
        who(&c->w, "container", "containers", &bad);
        put(&c->w, " must set securityContext.allowPrivilegeEscalation=false");
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    return fail;
}

static bool drops_all(const daas_sched_pcontainer *x)
{
    for (size_t i = 0; i < x->n_cap_drop; i++)
        if (strcmp(x->cap_drop[i], "ALL") == 0)
            return true;
    return false;
}

/* check_capabilities_restricted.go */
static bool chk_caps_restricted(ctx *c)
{
    strvec nodrop = {0}, adding = {0}, caps = {0};
    if (c->v->windows) /* 1.25 */
        return false;
    FOR_CONTAINERS(c, k)
    {
        const daas_sched_pcontainer *x = ctr(c, k);
        if (!x->has_caps || !drops_all(x))
            sv_push(&nodrop, x->name);
        bool added = false;
        for (size_t i = 0; x->has_caps && i < x->n_cap_add; i++)
            if (strcmp(x->cap_add[i], "NET_BIND_SERVICE") != 0) {
                added = true;
                sv_push(&caps, x->cap_add[i]);
            }
        if (added)
            sv_push(&adding, x->name);
    }
    bool fail = nodrop.n || adding.n;
    if (fail) {
        reason_detail_open(c, "unrestricted capabilities");
        if (nodrop.n) {
            who(&c->w, "container", "containers", &nodrop);
            put(&c->w, " must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (adding.n) {
            sv_sort_uniq(&caps);
            put(&c->w, nodrop.n ? "; " : "");
            who(&c->w, "container", "containers", &adding);
            put(&c->w, " must not include ");
            join_quote(&c->w, &caps);
            put(&c->w, " in securityContext.capabilities.add");
        }
        close_item(c);
    }
    sv_free(&nodrop);
    sv_free(&adding);
    sv_free(&caps);
    return fail;
}

static const char *volume_type(const daas_sched_pvolume *v)
{
    static const char *const known[] = {
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "gitRepo",
        "nfs",
        "iscsi",
        "glusterfs",
        "rbd",
        "flexVolume",
        "cinder",
        "cephfs",
        "flocker",
        "fc",
        "azureFile",
        "vsphereVolume",
        "quobyte",
        "azureDisk",
        "photonPersistentDisk",
        "portworxVolume",
        "scaleIO",
        "storageos",
    };
    if (v->source == DAAS_SCHED_VOL_HOST_PATH)
        return "hostPath";
    return in_list(v->detail, known, N_OF(known)) ? v->detail : "unknown";
}

/* check_restrictedVolumes.go */
static bool chk_volumes(ctx *c)
{
    strvec bad = {0}, types = {0};
    for (size_t i = 0; i < c->v->n_volumes; i++) {
        const daas_sched_pvolume *v = &c->v->volumes[i];
        if (v->source != DAAS_SCHED_VOL_HOST_PATH && v->source != DAAS_SCHED_VOL_OTHER)
            continue;
        sv_push(&bad, v->name);
        sv_push(&types, volume_type(v));
    }
    if (bad.n) {
        sv_sort_uniq(&types);
        reason_detail_open(c, "restricted volume types");
        who(&c->w, "volume", "volumes", &bad);
        put(&c->w, plural(bad.n, " uses ", " use "));
        put(&c->w, plural(types.n, "restricted volume type ", "restricted volume types "));
        join_quote(&c->w, &types);
        close_item(c);
    }
    bool fail = bad.n > 0;
    sv_free(&bad);
    sv_free(&types);
    return fail;
}

/* check_runAsNonRoot.go */
static bool chk_non_root(ctx *c)
{
    strvec bad = {0}, implicit = {0};
    bool pod = c->v->sec.run_as_non_root == DAAS_SCHED_FALSE;
    bool pod_ok = c->v->sec.run_as_non_root == DAAS_SCHED_TRUE;
    FOR_CONTAINERS(c, k)
    {
        int8_t r = ctr(c, k)->sec.run_as_non_root;
        if (r == DAAS_SCHED_FALSE)
            sv_push(&bad, ctr(c, k)->name);
        else if (r == DAAS_SCHED_UNSET && !pod_ok)
            sv_push(&implicit, ctr(c, k)->name);
    }
    bool fail = true;
    if (pod || bad.n) {
        reason_detail_open(c, "runAsNonRoot != true");
        if (pod)
            put(&c->w, bad.n ? "pod and " : "pod");
        if (bad.n)
            who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set securityContext.runAsNonRoot=false");
        close_item(c);
    } else if (implicit.n) {
        reason_detail_open(c, "runAsNonRoot != true");
        put(&c->w, "pod or ");
        who(&c->w, "container", "containers", &implicit);
        put(&c->w, " must set securityContext.runAsNonRoot=true");
        close_item(c);
    } else {
        fail = false;
    }
    sv_free(&bad);
    sv_free(&implicit);
    return fail;
}

static bool is_root(const daas_sched_secctx *s)
{
    return s->has_run_as_user && s->run_as_user == 0;
}

/* check_runAsUser.go */
static bool chk_run_as_user(ctx *c)
{
    strvec bad = {0};
    bool pod = is_root(&c->v->sec);
    FOR_CONTAINERS(c, k)
    {
        if (is_root(&ctr(c, k)->sec))
            sv_push(&bad, ctr(c, k)->name);
    }
    bool fail = pod || bad.n;
    if (fail) {
        reason_detail_open(c, "runAsUser=0");
        if (pod)
            put(&c->w, bad.n ? "pod and " : "pod");
        if (bad.n)
            who(&c->w, "container", "containers", &bad);
        put(&c->w, " must not set runAsUser=0");
        close_item(c);
    }
    sv_free(&bad);
    return fail;
}

static bool chk_seccomp_restricted(ctx *c)
{
    if (c->v->windows) /* 1.25 */
        return false;
    return seccomp_check(c, true);
}

/* Upstream's order: baseline ids sorted, then restricted ids sorted. `overlap` marks the
 * baseline checks a restricted one replaces (OverrideCheckIDs). */
static const struct {
    check_fn fn;
    uint8_t level;
    bool overlap;
} checks[] = {
    {chk_apparmor, DAAS_SCHED_PSS_BASELINE, false},             /* appArmorProfile */
    {chk_caps_baseline, DAAS_SCHED_PSS_BASELINE, true},         /* capabilities_baseline */
    {chk_host_namespaces, DAAS_SCHED_PSS_BASELINE, false},      /* hostNamespaces */
    {chk_host_path, DAAS_SCHED_PSS_BASELINE, true},             /* hostPathVolumes */
    {chk_host_ports, DAAS_SCHED_PSS_BASELINE, false},           /* hostPorts */
    {chk_privileged, DAAS_SCHED_PSS_BASELINE, false},           /* privileged */
    {chk_proc_mount, DAAS_SCHED_PSS_BASELINE, false},           /* procMount */
    {chk_selinux, DAAS_SCHED_PSS_BASELINE, false},              /* seLinuxOptions */
    {chk_seccomp_baseline, DAAS_SCHED_PSS_BASELINE, true},      /* seccompProfile_baseline */
    {chk_sysctls, DAAS_SCHED_PSS_BASELINE, false},              /* sysctls */
    {chk_host_process, DAAS_SCHED_PSS_BASELINE, false},         /* windowsHostProcess */
    {chk_priv_esc, DAAS_SCHED_PSS_RESTRICTED, false},           /* allowPrivilegeEscalation */
    {chk_caps_restricted, DAAS_SCHED_PSS_RESTRICTED, false},    /* capabilities_restricted */
    {chk_volumes, DAAS_SCHED_PSS_RESTRICTED, false},            /* restrictedVolumes */
    {chk_non_root, DAAS_SCHED_PSS_RESTRICTED, false},           /* runAsNonRoot */
    {chk_run_as_user, DAAS_SCHED_PSS_RESTRICTED, false},        /* runAsUser */
    {chk_seccomp_restricted, DAAS_SCHED_PSS_RESTRICTED, false}, /* seccompProfile_restricted */
};

_Static_assert(N_OF(checks) + 4 <= MAX_ITEMS, "room for every check and rule");

/* Contract in policy_int.h. */
void daas_sched__policy_pss_run(ctx *c, uint8_t level, list *out)
{
    if (level == DAAS_SCHED_PSS_PRIVILEGED)
        return;
    for (size_t i = 0; i < N_OF(checks); i++) {
        if (checks[i].level > level)
            continue;
        if (checks[i].overlap && level == DAAS_SCHED_PSS_RESTRICTED)
            continue;
        if (checks[i].fn(c))
            out->v[out->n++] = take(c);
        else
            daas_buf_reset(&c->w.b);
    }
}
