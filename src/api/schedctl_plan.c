/*
 * schedctl_plan.c: the pure pieces of the scheduler controller (schedctl.h): the mirror of
 * what the enclave was told, the delta plan from a store snapshot, the binding written on a
 * pod, the Events, the --enclave-pcr parser.
 *
 * Owns:   nothing beyond the structs it fills (no I/O, no threads; only logging).
 * Invariants:
 *   - a plan is deterministic: the same mirror and snapshot give the same deltas;
 *   - a delta's hash is BLAKE2b-256 of the delta encoded with seq 0, so a node or pod whose
 *     scheduling-relevant fields did not change (a heartbeat, a label on a pod) sends nothing.
 * Spec:   schedctl.h; sched.h (deltas); sched/proof.h (annotation).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/schedctl.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"
#include "sched/proof.h"

/* hash = daas_hex_encode(BLAKE2b-256(BCS(d with seq 0))). */
static int delta_hash(const daas_sched_delta *d, char hash[65], daas_err *err)
{
    daas_sched_delta z = *d;
    daas_buf b = {0};
    z.seq = 0;
    int rc = daas_sched_delta_encode(&z, &b, err);
    if (rc == DAAS_OK) {
        uint8_t h[32];
        crypto_generichash(h, sizeof h, (const uint8_t *)b.data, b.len, NULL, 0);
        daas_hex_encode(h, sizeof h, hash);
    }
    daas_buf_fini(&b);
    return rc;
}

void daas_schedctl_mirror_init(daas_schedctl_mirror *m)
{
    m->nodes = json_object();
    m->pods = json_object();
}

void daas_schedctl_mirror_fini(daas_schedctl_mirror *m)
{
    json_decref(m->nodes);
    json_decref(m->pods);
    m->nodes = m->pods = NULL;
}

static daas_sched_delta *push_delta(daas_schedctl_plan *p, uint64_t first_seq, uint8_t kind)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->d = daas_xrealloc(p->d, p->cap * sizeof *p->d);
    }
    daas_sched_delta *d = &p->d[p->n];
    memset(d, 0, sizeof *d);
    d->seq = first_seq + p->n;
    d->kind = kind;
    p->n++;
    return d;
}

int daas_schedctl_bound_delta(const daas_sched_kpod *kp, const char *node, uint64_t seq,
                              daas_sched_delta *out, char hash[65], daas_err *err)
{
    memset(out, 0, sizeof *out);
    out->seq = seq;
    out->kind = DAAS_SCHED_POD_BOUND;
    out->bound = (daas_sched_binding){kp->pod.uid, node, kp->pod.requests, kp->pod.n_requests};
    return delta_hash(out, hash, err);
}

/* Whether a bound pod still holds its resources (kube-scheduler drops terminated pods). */
static bool pod_holds(const json_t *pod, const daas_sched_kpod *kp)
{
    const char *phase = daas_kube_str(pod, "status.phase");
    return kp->node_name[0] != '\0' &&
           !(phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0));
}

static void plan_node(const daas_schedctl_mirror *m, const json_t *obj, uint64_t first_seq,
                      daas_schedctl_plan *p)
{
    daas_err e = {0};
    if (p->nkn == p->capkn) {
        p->capkn = p->capkn ? 2 * p->capkn : 16;
        p->kn = daas_xrealloc(p->kn, p->capkn * sizeof *p->kn);
    }
    daas_sched_knode *kn = &p->kn[p->nkn];
    memset(kn, 0, sizeof *kn);
    if (daas_sched_kube_node(obj, kn, &e) != DAAS_OK) {
        DAAS_WARN("schedctl", "node %s left out: %s", daas_kube_str(obj, "metadata.name") ?: "?",
                  e.msg);
        return;
    }
    p->nkn++;
    daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = kn->node};
    char h[65];
    if (delta_hash(&d, h, &e) != DAAS_OK) {
        DAAS_WARN("schedctl", "node %s left out: %s", kn->node.name, e.msg);
        return;
    }
    json_object_set_new(p->next.nodes, kn->node.name, json_string(h));
    const char *was = json_string_value(json_object_get(m->nodes, kn->node.name));
    if (was == NULL || strcmp(was, h) != 0)
        push_delta(p, first_seq, DAAS_SCHED_NODE_UPSERT)->node = kn->node;
}

static void plan_pod(const daas_schedctl_mirror *m, const json_t *obj, uint64_t first_seq,
                     daas_schedctl_plan *p)
{
    daas_err e = {0};
    if (daas_kube_str(obj, "spec.nodeName") == NULL)
        return; /* pending pods are the scheduler's, not the state's */
    if (p->nkp == p->capkp) {
        p->capkp = p->capkp ? 2 * p->capkp : 16;
        p->kp = daas_xrealloc(p->kp, p->capkp * sizeof *p->kp);
    }
    daas_sched_kpod *kp = &p->kp[p->nkp];
    memset(kp, 0, sizeof *kp);
    if (daas_sched_kube_pod(obj, kp, &e) != DAAS_OK) {
        DAAS_WARN("schedctl", "pod %s left out of the enclave's state: %s",
                  daas_kube_str(obj, "metadata.name") ?: "?", e.msg);
        return;
    }
    p->nkp++;
    if (!pod_holds(obj, kp))
        return;
    daas_sched_delta d;
    char h[65];
    if (daas_schedctl_bound_delta(kp, kp->node_name, 0, &d, h, &e) != DAAS_OK) {
        DAAS_WARN("schedctl", "pod %s left out: %s", kp->pod.name, e.msg);
        return;
    }
    json_object_set_new(p->next.pods, kp->pod.uid, json_string(h));
    const char *was = json_string_value(json_object_get(m->pods, kp->pod.uid));
    if (was == NULL || strcmp(was, h) != 0)
        push_delta(p, first_seq, DAAS_SCHED_POD_BOUND)->bound = d.bound;
}

/* Removals for the keys of old missing from now (name pointers borrow old's keys). */
static void plan_removals(json_t *old, json_t *now, uint8_t kind, uint64_t first_seq,
                          daas_schedctl_plan *p)
{
    const char *k;
    json_t *v;
    json_object_foreach(old, k, v)
    {
        if (json_object_get(now, k) == NULL)
            push_delta(p, first_seq, kind)->name = k;
    }
}

int daas_schedctl_plan_make(const daas_schedctl_mirror *m, const json_t *nodes, const json_t *pods,
                            uint64_t first_seq, daas_schedctl_plan *out, daas_err *err)
{
    size_t i;
    json_t *o;
    memset(out, 0, sizeof *out);
    daas_schedctl_mirror_init(&out->next);
    if (!json_is_array(nodes) || !json_is_array(pods))
        return daas_fail(err, DAAS_EINVAL, "a snapshot is two arrays");
    json_array_foreach(nodes, i, o) plan_node(m, o, first_seq, out);
    json_array_foreach(pods, i, o) plan_pod(m, o, first_seq, out);
    plan_removals(m->pods, out->next.pods, DAAS_SCHED_POD_REMOVED, first_seq, out);
    plan_removals(m->nodes, out->next.nodes, DAAS_SCHED_NODE_REMOVE, first_seq, out);
    return DAAS_OK;
}

void daas_schedctl_plan_fini(daas_schedctl_plan *p)
{
    for (size_t i = 0; i < p->nkn; i++)
        daas_sched_knode_fini(&p->kn[i]);
    for (size_t i = 0; i < p->nkp; i++)
        daas_sched_kpod_fini(&p->kp[i]);
    daas_free(p->kn);
    daas_free(p->kp);
    daas_free(p->d);
    daas_schedctl_mirror_fini(&p->next);
    memset(p, 0, sizeof *p);
}

/* Sets the PodScheduled condition to True (replacing any earlier one). */
static void set_scheduled(json_t *pod, const char *ts)
{
    json_t *conds = daas_kube_path(pod, "status.conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        daas_kube_set(pod, "status.conditions", conds);
    }
    for (size_t i = json_array_size(conds); i-- > 0;)
        if (strcmp(daas_kube_str(json_array_get(conds, i), "type") ?: "", "PodScheduled") == 0)
            json_array_remove(conds, i);
    json_array_append_new(conds, json_pack("{s:s,s:s,s:n,s:s}", "type", "PodScheduled", "status",
                                           "True", "lastProbeTime", "lastTransitionTime", ts));
}

int daas_schedctl_bind_obj(json_t *pod, const daas_sched_decision *d,
                           const uint8_t sig[DAAS_SCHED_SIG_LEN],
                           const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                           const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN], int64_t now_ms,
                           daas_err *err)
{
    char *proof = NULL, ts[32];
    int rc = daas_sched_proof_format(d, sig, enclave, pk, &proof, err);
    if (rc != DAAS_OK)
        return rc;
    json_t *ann = daas_kube_path(pod, "metadata.annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        daas_kube_set(pod, "metadata.annotations", ann);
    }
    json_object_set_new(ann, DAAS_SCHED_PROOF_ANNOTATION, json_string(proof));
    daas_free(proof);
    daas_kube_set_str(pod, "spec.nodeName", d->node);
    daas_time_rfc3339(now_ms / 1000, ts, sizeof ts);
    set_scheduled(pod, ts);
    return DAAS_OK;
}

json_t *daas_schedctl_event(const json_t *pod, const char *type, const char *reason,
                            const char *message, int64_t now_ms)
{
    const char *name = daas_kube_str(pod, "metadata.name") ?: "";
    const char *ns = daas_kube_str(pod, "metadata.namespace") ?: "default";
    uint8_t r[8];
    char ts[32], rh[17], micro[40];
    daas_random(r, sizeof r);
    daas_hex_encode(r, sizeof r, rh);
    daas_time_rfc3339(now_ms / 1000, ts, sizeof ts);
    daas_time_rfc3339_micro(now_ms * 1000, micro, sizeof micro);
    char *ename = daas_xasprintf("%s.%s", name, rh);
    json_t *ev = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:{s:s},s:s,s:s,s:i,"
        "s:s,s:s,s:s,s:s}",
        "apiVersion", "v1", "kind", "Event", "metadata", "name", ename, "namespace", ns,
        "involvedObject", "apiVersion", "v1", "kind", "Pod", "namespace", ns, "name", name, "uid",
        daas_kube_str(pod, "metadata.uid") ?: "", "reason", reason, "message", message, "type",
        type, "source", "component", DAAS_SCHEDCTL_COMPONENT, "firstTimestamp", ts, "lastTimestamp",
        ts, "count", 1, "eventTime", micro, "reportingComponent", DAAS_SCHEDCTL_COMPONENT,
        "reportingInstance", DAAS_SCHEDCTL_COMPONENT, "action",
        strcmp(reason, "Scheduled") == 0 ? "Binding" : "Scheduling");
    daas_free(ename);
    return ev;
}

int daas_schedctl_parse_pcr(const char *arg, daas_schedctl_pcr *out, daas_err *err)
{
    char *end = NULL;
    errno = 0;
    long idx = strtol(arg, &end, 10);
    const char *h = end != arg && end && *end == '=' ? end + 1 : NULL;
    size_t n = h ? strlen(h) : 0;
    bool ok = h && errno == 0 && idx >= 0 && idx < DAAS_ATTEST_MAX_PCRS && n % 2 == 0 &&
              (n == 64 || n == 96 || n == 128) && daas_hex_decode(h, n / 2, out->value);
    if (!ok)
        return daas_fail(err, DAAS_EINVAL,
                         "bad --enclave-pcr \"%s\" (want N=HEX with N "
                         "0..31 and 32, 48 or 64 bytes of hex)",
                         arg);
    out->index = (unsigned)idx;
    out->len = n / 2;
    return DAAS_OK;
}
