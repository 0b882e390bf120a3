/*
 * node.c: the agent's Node and Lease (see node.h).
 *
 * Owns:   reading host facts (/proc/meminfo, sysconf, statvfs, uname, /etc/os-release,
 *         /etc/machine-id, the boot id, the interfaces), the Node JSON, the writes.
 * Invariants: see node.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent/node.h"
#include "agent/serve.h"
#include "common/alloc.h"
#include "common/util.h"
#include "kube/obj.h"

/* The first line of a small file, without its newline ("" when unreadable). */
static void first_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static uint64_t mem_total(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kib * 1024;
}

static void os_image(char *out, size_t n)
{
    FILE *f = fopen("/etc/os-release", "r");
    char line[256];
    snprintf(out, n, "Linux");
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        v[strcspn(v, "\n")] = '\0';
        size_t len = strlen(v);
        if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
            v[len - 1] = '\0', v++;
        snprintf(out, n, "%.120s", v);
        break;
    }
    if (f)
        fclose(f);
}

static uint64_t hugepages(const char *path)
{
    char line[32], *end = NULL;
    first_line(path, line, sizeof line);
    errno = 0;
    unsigned long long v = strtoull(line, &end, 10);
    return errno == 0 && end != line && *end == '\0' ? (uint64_t)v : 0;
}

/* A DNS-1123 subdomain from the host name: lowercase, other characters to '-'. */
static bool node_name_of(const char *host, char *out, size_t n)
{
    size_t len = strlen(host);
    if (len == 0 || len >= n || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char ch = (char)tolower((unsigned char)host[i]);
        out[i] = ch == '\0' || isalnum((unsigned char)ch) || ch == '.' ? ch : '-';
    }
    return isalnum((unsigned char)out[0]) && isalnum((unsigned char)out[len - 1]);
}

int daas_agent_host_read(const char *node_name, const char *data_dir, daas_agent_host *out,
                         daas_err *err)
{
    daas_agent_host h;
    memset(&h, 0, sizeof h);
    if (gethostname(h.hostname, sizeof h.hostname - 1) != 0)
        snprintf(h.hostname, sizeof h.hostname, "localhost");
    if (!node_name_of(node_name ? node_name : h.hostname, h.name, sizeof h.name) ||
        (node_name && strcmp(node_name, h.name) != 0))
        return daas_fail(err, DAAS_EINVAL,
                         "node name \"%.64s\" is not a DNS subdomain (lowercase letters, digits, "
                         "'-' and '.'; pass --node-name)",
                         node_name ? node_name : h.hostname);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(h.kernel, sizeof h.kernel, "%.120s", u.release);
    struct statvfs sv;
    if (statvfs(data_dir, &sv) == 0)
        h.storage = (uint64_t)sv.f_blocks * sv.f_frsize;
    h.cpus = sysconf(_SC_NPROCESSORS_ONLN);
    h.memory = mem_total();
    os_image(h.os_image, sizeof h.os_image);
    first_line("/etc/machine-id", h.machine_id, sizeof h.machine_id);
    first_line("/proc/sys/kernel/random/boot_id", h.boot_id, sizeof h.boot_id);
    daas_first_ipv4(h.address, sizeof h.address);
    if (h.cpus < 1 || h.memory == 0)
        return daas_fail(err, DAAS_EIO, "cannot read the host's CPUs or memory");
    h.hugepages_2m = hugepages("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    h.hugepages_1g = hugepages("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages");
    /* the caller's fields */
    memcpy(h.owner, out->owner, sizeof h.owner);
    memcpy(h.cert_sha256, out->cert_sha256, sizeof h.cert_sha256);
    h.stake = out->stake;
    h.port = out->port;
    h.nitro_enclaves = out->nitro_enclaves;
    *out = h;
    return DAAS_OK;
}

static json_t *condition(const char *type, bool status, const char *reason, const char *msg,
                         const char *now)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status",
                     status ? "True" : "False", "lastHeartbeatTime", now, "lastTransitionTime",
                     now, "reason", reason, "message", msg);
}

static json_t *resources(const daas_agent_host *h)
{
    char mem[32], storage[32], cpu[16], pods[16], hp2[32], hp1[32];
    snprintf(mem, sizeof mem, "%lluKi", (unsigned long long)(h->memory / 1024));
    snprintf(storage, sizeof storage, "%lluKi", (unsigned long long)(h->storage / 1024));
    snprintf(cpu, sizeof cpu, "%ld", h->cpus);
    snprintf(pods, sizeof pods, "%d", DAAS_AGENT_MAX_PODS);
    snprintf(hp2, sizeof hp2, "%lluMi", (unsigned long long)h->hugepages_2m * 2);
    snprintf(hp1, sizeof hp1, "%lluGi", (unsigned long long)h->hugepages_1g);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cpu", cpu, "memory", mem, "pods",
                          pods, "ephemeral-storage", storage, "hugepages-2Mi", hp2,
                          "hugepages-1Gi", hp1);
    if (h->nitro_enclaves > 0)
        json_object_set_new(r, DAAS_AGENT_NITRO_RESOURCE, json_sprintf("%d", h->nitro_enclaves));
    return r;
}

/* The annotations the agent keeps on its Node. */
static json_t *annotations(const daas_agent_host *h)
{
    char stake[32];
    snprintf(stake, sizeof stake, "%llu", (unsigned long long)h->stake);
    json_t *a = json_pack("{s:s}", "daas.io/stake", stake);
    if (h->cert_sha256[0] != '\0')
        json_object_set_new(a, DAAS_AGENT_CERT_ANNOTATION, json_string(h->cert_sha256));
    return a;
}

json_t *daas_agent_node_json(const daas_agent_host *h, int64_t now_ms)
{
    char now[40];
    daas_time_rfc3339(now_ms / 1000, now, sizeof now);
    json_t *conds = json_pack(
        "[o, o, o, o]",
        condition("MemoryPressure", false, "KubeletHasSufficientMemory",
                  "daas agent has sufficient memory available", now),
        condition("DiskPressure", false, "KubeletHasNoDiskPressure",
                  "daas agent has no disk pressure", now),
        condition("PIDPressure", false, "KubeletHasSufficientPID",
                  "daas agent has sufficient PID available", now),
        condition("Ready", true, "KubeletReady", "daas agent is posting ready status", now));
    json_t *info = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "machineID", h->machine_id,
        "systemUUID", h->machine_id, "bootID", h->boot_id, "kernelVersion", h->kernel,
        "osImage", h->os_image, "containerRuntimeVersion", "runc://1.1", "kubeletVersion",
        "v1.32.4+daas" DAAS_VERSION, "kubeProxyVersion", "", "operatingSystem", "linux",
        "architecture", "amd64");
    return json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:o}, s:{s:o, s:o, s:o, s:o, s:o, s:{s:{s:i}}}}",
        "apiVersion", "v1", "kind", "Node", "metadata", "name", h->name, "labels",
        "kubernetes.io/hostname", h->name, "kubernetes.io/os", "linux", "kubernetes.io/arch",
        "amd64", "annotations", annotations(h), "status", "capacity", resources(h),
        "allocatable", resources(h), "conditions", conds, "addresses",
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "type", "InternalIP", "address", h->address,
                  "type", "Hostname", "address", h->hostname),
        "nodeInfo", info, "daemonEndpoints", "kubeletEndpoint", "Port", h->port);
}

/* True when node's Ready condition is "True". */
static bool node_ready(const json_t *node)
{
    size_t i;
    const json_t *cond;
    json_array_foreach(daas_kube_path(node, "status.conditions"), i, cond) {
        const char *t = daas_kube_str(cond, "type"), *st = daas_kube_str(cond, "status");
        if (t && strcmp(t, "Ready") == 0)
            return st && strcmp(st, "True") == 0;
    }
    return false;
}

int daas_agent_node_status(daas_agent_kc *c, const daas_agent_host *h, bool force, daas_err *err)
{
    char *path = daas_xasprintf("/api/v1/nodes/%s/status", h->name);
    json_t *cur = NULL, *want = daas_agent_node_json(h, daas_now_ms());
    int rc = daas_agent_kc_call(c, "GET", path, NULL, NULL, &cur, err);
    if (rc == DAAS_OK && (force || !node_ready(cur))) {
        json_object_set(cur, "status", json_object_get(want, "status"));
        rc = daas_agent_kc_call(c, "PUT", path, cur, NULL, NULL, err);
    }
    json_decref(cur);
    json_decref(want);
    daas_free(path);
    return rc;
}

int daas_agent_node_register(daas_agent_kc *c, const daas_agent_host *h, daas_err *err)
{
    json_t *node = daas_agent_node_json(h, daas_now_ms());
    int rc = daas_agent_kc_call(c, "POST", "/api/v1/nodes", node, NULL, NULL, err);
    json_decref(node);
    if (rc == DAAS_EEXIST) { /* ours from an earlier run: fresh annotations */
        daas_err_clear(err);
        char *path = daas_xasprintf("/api/v1/nodes/%s", h->name);
        json_t *patch = json_pack("{s:{s:o}}", "metadata", "annotations", annotations(h));
        rc = daas_agent_kc_call(c, "PATCH", path, patch, "application/merge-patch+json", NULL,
                                err);
        json_decref(patch);
        daas_free(path);
    }
    return rc == DAAS_OK ? daas_agent_node_status(c, h, true, err) : rc;
}

int daas_agent_lease_renew(daas_agent_kc *c, const char *name, daas_err *err)
{
    char now[40];
    daas_time_rfc3339_micro(daas_now_ms() * 1000, now, sizeof now);
    char *path = daas_xasprintf("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/"
                                "leases/%s",
                                name);
    json_t *patch = json_pack("{s:{s:s}}", "spec", "renewTime", now);
    int rc = daas_agent_kc_call(c, "PATCH", path, patch, "application/merge-patch+json", NULL,
                                err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        json_t *lease = json_pack(
            "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s}}", "apiVersion",
            "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name, "namespace",
            "kube-node-lease", "spec", "holderIdentity", name, "leaseDurationSeconds",
            DAAS_AGENT_LEASE_SECONDS, "renewTime", now, "acquireTime", now);
        rc = daas_agent_kc_call(c, "POST",
                                "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                                lease, NULL, NULL, err);
        json_decref(lease);
    }
    json_decref(patch);
    daas_free(path);
    return rc;
}
