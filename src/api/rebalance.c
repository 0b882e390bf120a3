/*
 * rebalance.c: rebalancing rounds (daas_api_rebalance) and POST /daas/v1/rebalance: the
 *              scheduler enclave plans which pods to evict; the server executes a plan only
 *              once its signature verified, through the eviction API, each eviction preceded
 *              by an Event carrying the plan's proof.
 *
 * Owns:   the round counter, the RebalanceResult document, checking a plan a client hands
 *         back, executing plans.
 * Not:    the candidates (ctrl/rebalance.c), planning and signing (the enclave:
 *         sched/rebalance.h), the enclave link and decision log (schedctl_rebalance.c),
 *         PodDisruptionBudgets (evict.c decides every eviction).
 * Invariants:
 *   - nothing is evicted for a plan whose signature does not verify under the key of the
 *     enclave this server's scheduler uses, that does not decode canonically, or that is
 *     older than DAAS_API_REBALANCE_MAX_AGE_MS; such a plan changes nothing;
 *   - every eviction names the planned pod's uid as a precondition: a pod recreated under
 *     the same name is not touched ("Gone");
 *   - the Rebalance Event with the proof is written before its eviction is asked for, so
 *     no eviction of a plan goes without it;
 *   - rounds run one at a time; round numbers grow (seeded from the clock in seconds).
 * Spec:   issue 9 "Rebalancing"; daas_api_rebalance in api.h (the document's shape).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/write_int.h"
#include "api/schedctl.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "ctrl/rebalance.h"
#include "kube/obj.h"
#include "sched/rebalance.h"
#include "sui/sui.h"

#define DAAS_API_REBALANCE_MAX_AGE_MS (10 * 60 * 1000)
#define DAAS_API_REBALANCE_SKEW_MS (60 * 1000)
#define PROOF_ANNOTATION "daas.io/rebalance-proof"
#define COMPONENT "daas-rebalancer"

void daas_api_set_rebalance(daas_api *api, const daas_api_rebalance_opts *o)
{
    api->reb = *o;
}

static const char *reason_name(uint8_t reason)
{
    return reason == DAAS_SCHED_EVICT_OVERLOAD ? "Overloaded" : "OverStakeShare";
}

/* ---- a new plan ---- */

/* Every stored object of resource (all namespaces) as a new JSON array. */
static int list_all(daas_api *api, const char *group, const char *resource, json_t **out,
                    daas_err *err)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource(group, "v1", resource);
    char *prefix = daas_api__prefix(k, NULL);
    daas_kv_list l = {0};
    int rc = daas_store_list(api->store, prefix, NULL, 0, &l, err);
    *out = json_array();
    for (size_t i = 0; rc == DAAS_OK && i < l.n; i++) {
        json_t *o = daas_api__parse_kv(&l.items[i]);
        if (o)
            json_array_append_new(*out, o);
    }
    daas_kv_list_fini(&l);
    daas_free(prefix);
    return rc;
}

static int plan_new(daas_api *api, const daas_api_rebalance_opts *o, daas_schedctl_plan_signed *sp,
                    daas_err *err)
{
    json_t *pods = NULL, *pdbs = NULL;
    daas_buf req;
    daas_buf_init(&req, DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = list_all(api, "", "pods", &pods, err);
    if (rc == DAAS_OK)
        rc = list_all(api, "policy", "poddisruptionbudgets", &pdbs, err);
    uint64_t now_s = (uint64_t)(daas_now_ms() / 1000);
    api->reb_round = api->reb_round + 1 > now_s ? api->reb_round + 1 : now_s;
    daas_ctrl_rebalance_params p = {.round = api->reb_round,
                                    .threshold_pct = o->threshold_pct,
                                    .max_evictions = o->max_evictions,
                                    .fairness_pct = o->fairness_pct};
    size_t n = 0;
    if (rc == DAAS_OK)
        rc = daas_ctrl_rebalance_request(pods, pdbs, &p, &req, &n, err);
    if (rc == DAAS_ETOOBIG)
        rc = daas_fail(err, DAAS_ETOOBIG, "rebalance: too many pods for one round (%zu)", n);
    if (rc == DAAS_OK)
        rc = daas_schedctl_rebalance(api->sched, DAAS_BYTES(req.data, req.len), sp, err);
    daas_buf_fini(&req);
    json_decref(pods);
    json_decref(pdbs);
    return rc;
}

/* ---- a plan handed back ---- */

/* member as 2n hex digits into out; false when absent or malformed. */
static bool hex_member(const json_t *o, const char *name, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL && strlen(s) == 2 * n && daas_hex_decode(s, n, out);
}

static int plan_read(const json_t *in, daas_schedctl_plan_signed *sp, daas_err *err)
{
    const char *enc = json_string_value(json_object_get(in, "enclave"));
    json_t *ts = json_object_get(in, "timestampMs");
    if (!json_is_object(in) || !json_is_integer(ts) || json_integer_value(ts) < 0 ||
        !hex_member(in, "signature", sp->sig, DAAS_SCHED_SIG_LEN) ||
        !hex_member(in, "pk", sp->pk, DAAS_SCHED_PUBKEY_LEN) || enc == NULL ||
        daas_sui_address_parse(enc, sp->enclave, err) != DAAS_OK ||
        daas_hex_append(&sp->plan, json_string_value(json_object_get(in, "plan")),
                        DAAS_SCHED_MAX_DELTA_BYTES) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL,
                         "rebalance plan: expected an object with \"plan\" (hex), \"timestampMs\", "
                         "\"signature\" (64 bytes hex), \"pk\" (32 bytes hex) and \"enclave\" "
                         "(0x address), as an earlier answer's \"plan\"");
    sp->timestamp_ms = (uint64_t)json_integer_value(ts);
    sp->index = (uint64_t)json_integer_value(json_object_get(in, "index"));
    return DAAS_OK;
}

/* The checks of a plan a client hands back (the invariants above). */
static int plan_check(daas_api *api, const json_t *in, daas_schedctl_plan_signed *sp, daas_err *err)
{
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN], id[DAAS_SCHED_ENCLAVE_ID_LEN];
    char want[2 * DAAS_SCHED_PUBKEY_LEN + 1], got[2 * DAAS_SCHED_PUBKEY_LEN + 1];
    int rc = plan_read(in, sp, err);
    if (rc != DAAS_OK)
        return rc;
    if (api->sched == NULL || !daas_schedctl_key(api->sched, pk, id))
        return daas_fail(err, DAAS_EUNAVAIL,
                         "rebalance: the scheduler enclave is not ready; retry later");
    if (memcmp(pk, sp->pk, sizeof pk) != 0 || memcmp(id, sp->enclave, sizeof id) != 0)
        return daas_fail(err, DAAS_EDENIED,
                         "rebalance plan: signed by enclave key %.16s…, not by the scheduler "
                         "enclave this cluster uses (%.16s…); ask for a new plan",
                         daas_hex_encode(sp->pk, sizeof sp->pk, got),
                         daas_hex_encode(pk, sizeof pk, want));
    daas_err e = {0};
    rc = daas_sched_rebalance_verify(DAAS_BYTES(sp->plan.data, sp->plan.len), sp->timestamp_ms,
                                     sp->sig, sp->pk, &e);
    if (rc == DAAS_ECRYPTO)
        return daas_fail(err, DAAS_EDENIED,
                         "rebalance plan: the enclave's signature does not verify (the plan or "
                         "its timestamp was altered)");
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "rebalance plan: %s", e.msg);
    int64_t age = daas_now_ms() - (int64_t)sp->timestamp_ms;
    if (age > DAAS_API_REBALANCE_MAX_AGE_MS || age < -DAAS_API_REBALANCE_SKEW_MS)
        return daas_fail(err, DAAS_EDENIED,
                         "rebalance plan: signed %" PRId64 " s ago; plans are executed within "
                         "%d s of signing: ask for a new plan",
                         age / 1000, DAAS_API_REBALANCE_MAX_AGE_MS / 1000);
    return DAAS_OK;
}

/* ---- the document ---- */

static json_t *plan_json(const daas_schedctl_plan_signed *sp, const daas_sched_plan *p)
{
    char sig[2 * DAAS_SCHED_SIG_LEN + 1], pk[2 * DAAS_SCHED_PUBKEY_LEN + 1];
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    char *hex = daas_hex_new(sp->plan.data, sp->plan.len);
    daas_sui_address_hex(sp->enclave, id);
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s}", "round", (json_int_t)p->round,
                          "stateSeq", (json_int_t)p->state_seq, "index", (json_int_t)sp->index,
                          "timestampMs", (json_int_t)sp->timestamp_ms, "plan", hex, "signature",
                          daas_hex_encode(sp->sig, sizeof sp->sig, sig), "pk",
                          daas_hex_encode(sp->pk, sizeof sp->pk, pk), "enclave", id);
    daas_free(hex);
    return o;
}

/* ---- executing ---- */

/* The pod ns/name as stored, when its uid is uid (NULL otherwise). */
static json_t *load_pod(daas_api *api, const daas_sched_eviction *ev)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource("", "v1", "pods");
    char *key = daas_api__key(k, ev->ns, ev->name);
    daas_kv kv = {0};
    json_t *pod = NULL;
    daas_err e = {0};
    if (daas_api__load(api, key, &kv, &pod, &e) == DAAS_OK) {
        const char *uid = daas_kube_str(pod, "metadata.uid");
        if (uid == NULL || strcmp(uid, ev->uid) != 0) {
            json_decref(pod);
            pod = NULL;
        }
    }
    daas_kv_fini(&kv);
    daas_free(key);
    return pod;
}

/* The Event with the proof, then the eviction; row gets "result" and "message". */
static void evict_one(daas_ctrl_client *c, daas_api *api, const daas_sched_plan *p,
                      const daas_sched_eviction *ev, const char *proof, json_t *row)
{
    json_t *pod = load_pod(api, ev), *out = NULL;
    if (pod == NULL) {
        json_object_set_new(row, "result", json_string("Gone"));
        json_object_set_new(row, "message", json_string("the planned pod no longer exists"));
        return;
    }
    char msg[512], path[1200];
    snprintf(msg, sizeof msg,
             "Evicting: rebalance plan round %" PRIu64 " (%s node %s, score %" PRIu64
             "), signed by the scheduler enclave; proof in annotation " PROOF_ANNOTATION,
             p->round,
             ev->reason == DAAS_SCHED_EVICT_OVERLOAD ? "overloaded" : "owner over share on",
             ev->node, ev->score);
    json_t *event = daas_ctrl_client_event_obj(c, pod, "Normal", "Rebalance", msg);
    const daas_kube_kind *ek = daas_kube_kind_by_resource("", "v1", "events");
    daas_err e = {0};
    int rc = event ? DAAS_OK : daas_fail(&e, DAAS_EINVAL, "the event does not encode");
    if (rc == DAAS_OK) {
        json_t *ann = daas_kube_mkpath(event, "metadata.annotations"); /* the key has dots */
        json_object_set_new(ann, PROOF_ANNOTATION, json_string(proof));
        rc = daas_ctrl_client_create(c, ek, ev->ns, event, NULL, &e);
    }
    json_decref(event);
    if (rc == DAAS_OK) {
        json_t *body = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:{s:s}}}", "apiVersion", "policy/v1",
                                 "kind", "Eviction", "metadata", "name", ev->name, "namespace",
                                 ev->ns, "deleteOptions", "preconditions", "uid", ev->uid);
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s/eviction", ev->ns, ev->name);
        rc = daas_ctrl_client_do(c, "POST", path, NULL, body, &out, NULL, &e);
        json_decref(body);
    }
    const char *result = rc == DAAS_OK                                    ? "Evicted"
                         : (rc == DAAS_ENOTFOUND || rc == DAAS_ECONFLICT) ? "Gone"
                                                                          : "Refused";
    json_object_set_new(row, "result", json_string(result));
    if (rc != DAAS_OK) {
        json_object_set_new(row, "message", json_string(e.msg));
        daas_err we = {0};
        if (daas_ctrl_client_event(c, pod, "Warning", "RebalanceRefused", &we,
                                   "Eviction of rebalance plan round %" PRIu64 " refused: %s",
                                   p->round, e.msg) != DAAS_OK)
            DAAS_WARN("rebalance", "event for %s/%s: %s", ev->ns, ev->name, we.msg);
    }
    json_decref(out);
    json_decref(pod);
}

static json_t *rows(daas_api *api, const daas_sched_plan *p, bool apply, const json_t *plan_doc)
{
    json_t *a = json_array();
    char *proof = apply ? json_dumps(plan_doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    daas_ctrl_client *c = apply ? daas_ctrl_client_new(api, COMPONENT) : NULL;
    for (size_t i = 0; i < p->n_evictions; i++) {
        const daas_sched_eviction *ev = &p->evictions[i];
        json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "namespace", ev->ns, "name", ev->name,
                                "uid", ev->uid, "node", ev->node, "reason", reason_name(ev->reason),
                                "score", (json_int_t)ev->score);
        if (apply)
            evict_one(c, api, p, ev, proof, row);
        else
            json_object_set_new(row, "result", json_string("Planned"));
        json_array_append_new(a, row);
    }
    daas_ctrl_client_free(&c);
    free(proof); /* jansson's */
    return a;
}

int daas_api_rebalance(daas_api *api, const daas_api_rebalance_opts *o, bool apply,
                       const json_t *plan, json_t **result, daas_err *err)
{
    daas_schedctl_plan_signed sp = {0};
    daas_sched_plan p = {0};
    *result = NULL;
    if (api->sched == NULL && plan == NULL)
        return daas_fail(err, DAAS_EUNAVAIL,
                         "rebalance: this server has no scheduler enclave (--enclave)");
    if (o == NULL)
        o = &api->reb;
    if (o->threshold_pct < 1 || o->threshold_pct > 100 || o->max_evictions < 1 ||
        o->max_evictions > 1000 || o->fairness_pct > 100)
        return daas_fail(err, DAAS_EINVAL,
                         "rebalance: thresholdPercent must be 1..100, maxEvictions 1..1000, "
                         "fairnessPercent 0..100");
    daas_buf_init(&sp.plan, DAAS_SCHED_MAX_DELTA_BYTES);
    pthread_mutex_lock(&api->reb_mu);
    int rc = plan ? plan_check(api, plan, &sp, err) : plan_new(api, o, &sp, err);
    if (rc == DAAS_OK)
        rc = daas_sched_rebalance_plan_decode(DAAS_BYTES(sp.plan.data, sp.plan.len), &p, err);
    if (rc == DAAS_OK) {
        json_t *doc = plan_json(&sp, &p);
        json_t *evs = rows(api, &p, apply, doc);
        *result = json_pack("{s:s,s:s,s:b,s:o,s:o}", "kind", "RebalanceResult", "apiVersion",
                            "daas.io/v1", "dryRun", !apply, "plan", doc, "evictions", evs);
        DAAS_INFO("rebalance", "round %" PRIu64 " (log index %" PRIu64 "): %zu eviction(s) %s",
                  p.round, sp.index, p.n_evictions, apply ? "executed" : "planned (dry run)");
    }
    pthread_mutex_unlock(&api->reb_mu);
    daas_sched_rebalance_plan_fini(&p);
    daas_buf_fini(&sp.plan);
    return rc;
}

/* ---- POST /daas/v1/rebalance ---- */

/* An optional integer member within lo..hi into *v. */
static bool int_member(const json_t *body, const char *name, long lo, long hi, long *v)
{
    json_t *x = json_object_get(body, name);
    if (x == NULL)
        return true;
    if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi)
        return false;
    *v = (long)json_integer_value(x);
    return true;
}

static int parse_body(daas_api__req *r, json_t **body, daas_api_rebalance_opts *o, bool *apply,
                      daas_err *err)
{
    static const char *const known[] = {"apply", "thresholdPercent", "maxEvictions",
                                        "fairnessPercent", "plan"};
    int rc = daas_api__decode_body(r, body, err);
    if (rc != DAAS_OK)
        return rc;
    if (!json_is_object(*body))
        return daas_fail(err, DAAS_EINVAL, "the body of the request must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach(*body, k, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
            ok = strcmp(k, known[i]) == 0;
        if (!ok)
            return daas_fail(err, DAAS_EINVAL, "unknown field \"%.100s\"", k);
    }
    json_t *a = json_object_get(*body, "apply");
    long t = o->threshold_pct, m = o->max_evictions, f = o->fairness_pct;
    if ((a != NULL && !json_is_boolean(a)) || !int_member(*body, "thresholdPercent", 1, 100, &t) ||
        !int_member(*body, "maxEvictions", 1, 1000, &m) ||
        !int_member(*body, "fairnessPercent", 0, 100, &f))
        return daas_fail(err, DAAS_EINVAL,
                         "apply must be a boolean, thresholdPercent 1..100, maxEvictions "
                         "1..1000, fairnessPercent 0..100");
    *apply = json_is_true(a);
    if (json_object_get(*body, "plan") && !*apply)
        return daas_fail(err, DAAS_EINVAL, "a plan is only sent to be applied (\"apply\": true)");
    *o = (daas_api_rebalance_opts){(uint8_t)t, (uint16_t)m, (uint8_t)f};
    return DAAS_OK;
}

void daas_api__serve_rebalance(daas_api__req *r)
{
    daas_err e = {0};
    json_t *body = NULL, *result = NULL;
    daas_api_rebalance_opts o = r->api->reb;
    bool apply = false;
    r->verb = DAAS_API_VERB_CREATE;
    int rc = strcmp(r->http->method, "POST") == 0
                 ? parse_body(r, &body, &o, &apply, &e)
                 : daas_fail(&e, DAAS_EMETHOD,
                             "the server does not allow this method on the "
                             "requested resource");
    if (rc == DAAS_OK)
        rc = daas_api_rebalance(r->api, &o, apply, json_object_get(body, "plan"), &result, &e);
    if (rc == DAAS_OK)
        daas_api__respond_obj(r, 200, result);
    else
        daas_api__respond_err(r, &e);
    json_decref(result);
    json_decref(body);
}
