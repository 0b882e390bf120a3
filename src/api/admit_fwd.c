/*
 * admit_fwd.c: POST /daas/v1/admit: the server leading the scheduler admits on behalf of
 *              another server of the cluster (which has no link to the enclave while it does
 *              not lead): the AdmissionRequest and ClusterRules it built, and back the
 *              enclave's AccessDecision and the proof annotation.
 *
 * Owns:   the endpoint's JSON: {"request": hex, "rules": hex} in, {"decision": hex,
 *         "proof": text} out.
 * Not:    the admission itself (schedctl_admit.c), the forwarding side (the server's
 *         daas_api_set_admit_forward hook).
 * Invariants: only for administrators (the cluster's own certificates); the request and the
 *             rules are checked by the enclave (strict BCS) and logged here like the leader's
 *             own; 503 when this server does not lead the scheduler either.
 */
#include <string.h>

#include "api/api_int.h"
#include "api/schedctl.h"
#include "common/util.h"
#include "sched/admission.h"
#include "sched/policy.h"

/* member as hex into out (at most max bytes). */
static int hex_member(const json_t *body, const char *name, size_t max, daas_buf *out,
                      daas_err *err)
{
    if (daas_hex_append(out, json_string_value(json_object_get(body, name)), max) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "admit: \"%s\" must be hex of at most %zu bytes", name,
                         max);
    return DAAS_OK;
}

void daas_api__serve_admit(daas_api__req *r)
{
    daas_err e = {0};
    json_t *body = NULL;
    daas_buf req, rules, dec, proof;
    daas_buf_init(&req, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&rules, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&dec, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&proof, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    r->verb = DAAS_API_VERB_CREATE;
    int rc = strcmp(r->http->method, "POST") == 0
                 ? daas_api__decode_body(r, &body, &e)
                 : daas_fail(&e, DAAS_EMETHOD,
                             "the server does not allow this method on the "
                             "requested resource");
    if (rc == DAAS_OK)
        rc = hex_member(body, "request", DAAS_SCHED_POLICY_MAX_BYTES, &req, &e);
    if (rc == DAAS_OK)
        rc = hex_member(body, "rules", DAAS_SCHED_POLICY_MAX_BYTES, &rules, &e);
    if (rc == DAAS_OK && r->api->sched == NULL)
        rc = daas_fail(&e, DAAS_EUNAVAIL, "admit: this server has no scheduler enclave");
    if (rc == DAAS_OK)
        rc = daas_schedctl_admit(r->api->sched, DAAS_BYTES(req.data, req.len),
                                 DAAS_BYTES(rules.data, rules.len), &dec, &proof, &e);
    if (rc == DAAS_OK) {
        char *hex = daas_hex_new(dec.data, dec.len);
        json_t *out = json_pack("{s:s,s:s%}", "decision", hex, "proof", proof.data, proof.len);
        daas_api__respond_obj(r, 200, out);
        json_decref(out);
        daas_free(hex);
    } else {
        daas_api__respond_err(r, &e);
    }
    json_decref(body);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
    daas_buf_fini(&proof);
}
