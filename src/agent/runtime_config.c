/*
 * runtime_config.c: the OCI config.json (runtime spec 1.0.2, as runc 1.1 reads it) for a
 * daas_rt_spec.
 *
 * Owns:   the defaults every container gets: Docker's default capability set, the standard
 *         /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup mounts, masked and
 *         read-only paths, noNewPrivileges. No rlimits: the container inherits the agent's
 *         (a fixed RLIMIT_NOFILE above the host's hard limit makes runc init fail).
 * Does not own: whether the host can apply a limit (the caller passes daas_rt_cgroups).
 * Invariants: the output is a pure function of (spec, cgroups, device nodes on the host).
 * Spec:   https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md,
 *         config-linux.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "agent/runtime_int.h"

static const char *const caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",   "CAP_FOWNER",           "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",   "CAP_SETFCAP",          "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL};

static const char *const masked[] = {
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", NULL};

static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                       "/proc/sysrq-trigger", NULL};

static json_t *strv(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

static json_t *mount(const char *dest, const char *type, const char *src,
                     const char *const *opts)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source", src,
                     "options", strv(opts));
}

static json_t *process(const daas_rt_spec *s)
{
    static const char *const defenv[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    json_t *capset = json_pack("{s:o, s:o, s:o}", "bounding", strv(caps), "effective",
                               strv(caps), "permitted", strv(caps));
    return json_pack("{s:b, s:{s:I, s:I}, s:o, s:o, s:s, s:o, s:b}", "terminal", 0,
                     "user", "uid", (json_int_t)s->uid, "gid", (json_int_t)s->gid, "args",
                     strv(s->args), "env", strv(s->env != NULL ? s->env : defenv), "cwd",
                     s->cwd != NULL ? s->cwd : "/", "capabilities", capset,
                     "noNewPrivileges", 1);
}

static json_t *mounts(const daas_rt_spec *s)
{
    static const char *const o_proc[] = {"nosuid", "noexec", "nodev", NULL};
    static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k",
                                        NULL};
    static const char *const o_pts[] = {"nosuid",     "noexec", "newinstance", "ptmxmode=0666",
                                        "mode=0620", "gid=5",  NULL};
    static const char *const o_shm[] = {"nosuid", "noexec", "nodev", "mode=1777",
                                        "size=65536k", NULL};
    static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
    json_t *a = json_array();
    json_array_append_new(a, mount("/proc", "proc", "proc", o_proc));
    json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", o_dev));
    json_array_append_new(a, mount("/dev/pts", "devpts", "devpts", o_pts));
    json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", o_shm));
    if (!s->host_ipc) {
        json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", o_proc));
    }
    json_array_append_new(a, mount("/sys", "sysfs", "sysfs", o_sys));
    json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", o_cg));
    for (size_t i = 0; i < s->nmounts; i++) {
        const daas_rt_mount *m = &s->mounts[i];
        const char *ro = m->readonly ? "ro" : "rw";
        if (m->source != NULL) {
            const char *o[] = {"rbind", "rprivate", ro, NULL};
            json_array_append_new(a, mount(m->dest, "bind", m->source, o));
        } else {
            char size[40];
            snprintf(size, sizeof size, "size=%llu", (unsigned long long)m->tmpfs_bytes);
            const char *o[] = {"nosuid", "nodev", ro, m->tmpfs_bytes > 0 ? size : NULL, NULL};
            json_array_append_new(a, mount(m->dest, "tmpfs", "tmpfs", o));
        }
    }
    return a;
}

static json_t *namespaces(const daas_rt_spec *s)
{
    json_t *a = json_array();
    const char *types[] = {s->host_pid ? NULL : "pid", s->host_ipc ? NULL : "ipc",
                           s->host_uts ? NULL : "uts", "mount",
                           s->host_network ? NULL : "network"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (types[i] != NULL) {
            json_array_append_new(a, json_pack("{s:s}", "type", types[i]));
        }
    }
    return a;
}

/* Adds one device node: linux.devices entry (at /dev/<its name> in the container, wherever
 * it is on the host: a stand-in device in tests) and the cgroup allow rule. */
static int device(json_t *devs, json_t *rules, const char *path, daas_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
        return daas_fail(err, DAAS_EINVAL, "device %s: not a device node on this host", path);
    }
    const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
    const char *base = strrchr(path, '/');
    char *inside = daas_xasprintf("/dev/%s", base != NULL ? base + 1 : path);
    json_int_t maj = (json_int_t)major(st.st_rdev), min = (json_int_t)minor(st.st_rdev);
    json_array_append_new(devs, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", inside,
                                          "type", type, "major", maj, "minor", min, "fileMode",
                                          (json_int_t)(st.st_mode & 07777), "uid",
                                          (json_int_t)st.st_uid, "gid", (json_int_t)st.st_gid));
    json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                           type, "major", maj, "minor", min, "access", "rwm"));
    daas_free(inside);
    return DAAS_OK;
}

static int linux_section(const daas_rt_spec *s, daas_rt_cgroups cg, const char *cgparent,
                         json_t **out, daas_err *err)
{
    json_t *devs = json_array();
    json_t *rules = json_pack("[{s:b, s:s}]", "allow", 0, "access", "rwm");
    json_t *res = json_object();
    int rc = DAAS_OK;
    for (size_t i = 0; s->devices != NULL && s->devices[i] != NULL && rc == DAAS_OK; i++) {
        rc = device(devs, rules, s->devices[i], err);
    }
    json_object_set_new(res, "devices", rules);
    if (s->memory_limit > 0 && cg.memory) {
        json_object_set_new(res, "memory",
                            json_pack("{s:I}", "limit", (json_int_t)s->memory_limit));
    }
    if (s->cpu_millis > 0 && cg.cpu) {
        json_object_set_new(res, "cpu", json_pack("{s:I, s:I}", "quota",
                                                  (json_int_t)s->cpu_millis * 100, "period",
                                                  (json_int_t)100000));
    }
    char *cgpath = daas_xasprintf("%s-%s", cgparent, s->id);
    *out = json_pack("{s:o, s:o, s:o, s:s, s:o, s:o}", "namespaces", namespaces(s), "devices",
                     devs, "resources", res, "cgroupsPath", cgpath, "maskedPaths",
                     strv(masked), "readonlyPaths", strv(readonly));
    daas_free(cgpath);
    return rc;
}

static int check(const daas_rt_spec *s, daas_err *err)
{
    if (!daas_rt__valid_id(s->id)) {
        return daas_fail(err, DAAS_EINVAL, "container id %s%s%s: invalid",
                         s->id != NULL ? "\"" : "", s->id != NULL ? s->id : "(none)",
                         s->id != NULL ? "\"" : "");
    }
    if (s->rootfs == NULL || s->rootfs[0] != '/') {
        return daas_fail(err, DAAS_EINVAL, "container %s: rootfs must be an absolute path",
                         s->id);
    }
    if (s->args == NULL || s->args[0] == NULL) {
        return daas_fail(err, DAAS_EINVAL, "container %s: no command", s->id);
    }
    if (s->cwd != NULL && s->cwd[0] != '/') {
        return daas_fail(err, DAAS_EINVAL, "container %s: cwd must be absolute", s->id);
    }
    for (size_t i = 0; i < s->nmounts; i++) {
        if (s->mounts[i].dest == NULL || s->mounts[i].dest[0] != '/') {
            return daas_fail(err, DAAS_EINVAL, "container %s: mount %zu: bad destination",
                             s->id, i);
        }
    }
    return DAAS_OK;
}

int daas_rt__config(const daas_rt_spec *s, daas_rt_cgroups cg, const char *cgparent,
                    char **json_out, daas_err *err)
{
    json_t *lin = NULL;
    *json_out = NULL;
    int rc = check(s, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    rc = linux_section(s, cg, cgparent, &lin, err);
    if (rc != DAAS_OK) {
        json_decref(lin);
        return daas_fail(err, DAAS_EINVAL, "container %s: bad device", s->id);
    }
    json_t *root = json_pack("{s:s, s:o, s:{s:s, s:b}, s:o, s:o}", "ociVersion", "1.0.2",
                             "process", process(s), "root", "path", s->rootfs, "readonly",
                             s->readonly_rootfs, "mounts", mounts(s), "linux", lin);
    if (s->hostname != NULL && !s->host_uts) {
        json_object_set_new(root, "hostname", json_string(s->hostname));
    }
    char *txt = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    *json_out = daas_xstrdup(txt);
    free(txt); /* jansson's allocator */
    return DAAS_OK;
}
