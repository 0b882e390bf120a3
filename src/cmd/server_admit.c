/*
 * server_admit.c: a server that does not lead the scheduler forwards admissions to the one
 *                 that does (several servers on one etcd): it finds the leader's URL on the
 *                 controllers' Lease (annotation daas.io/holder-url, written by the leader)
 *                 and POSTs the request to its /daas/v1/admit over TLS, as a client
 *                 certificate of the cluster CA.
 *
 * Owns:   server_admit (server_int.h): one kept connection to the leader, the in-memory
 *         client identity (CN system:daas-server, O system:masters), the CA file.
 * Invariants:
 *   - the identity's key exists only in memory (wiped at fini) and is never logged;
 *   - the leader's certificate is verified against the cluster CA (TLS verification on);
 *   - no forwarding loop: the receiving end admits only when it leads itself (else 503).
 * Spec:   api/api.h daas_api_set_admit_forward; api/admit_fwd.c (the endpoint).
 */
#include <string.h>

#include "agent/kubeclient.h"
#include "cmd/server_int.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "kube/obj.h"
#include "sched/policy.h"

#define LEASE_KEY "/registry/leases/kube-system/daas-controllers"
#define FWD_TIMEOUT_MS 15000

int server_admit_init(server_admit *a, daas_pki *pki, daas_store *store, daas_err *err)
{
    static const char *const orgs[] = {"system:masters"};
    a->store = store;
    pthread_mutex_init(&a->mu, NULL);
    a->mu_init = true;
    a->ca_file = daas_xstrdup(daas_pki_ca_path(pki));
    return daas_pki_client_pem(pki, "system:daas-server", orgs, 1, &a->cert_pem, &a->key_pem, err);
}

void server_admit_fini(server_admit *a)
{
    daas_agent_kc_free(&a->kc);
    daas_free(a->kc_url);
    if (a->mu_init)
        pthread_mutex_destroy(&a->mu);
    daas_free(a->ca_file);
    daas_free(a->cert_pem);
    daas_pki_free_pem(a->key_pem);
    memset(a, 0, sizeof *a);
}

/* The leading server's URL from the Lease (new string). */
static int leader_url(server_admit *a, char **url, daas_err *err)
{
    daas_kv kv = {0};
    int rc = daas_store_get(a->store, LEASE_KEY, &kv, err);
    json_t *lease = rc == DAAS_OK ? json_loadb(kv.val->data, kv.val->len, 0, NULL) : NULL;
    const char *holder = daas_kube_str(lease, "spec.holderIdentity");
    const char *u = json_string_value(json_object_get(daas_kube_path(lease, "metadata.annotations"),
                                                      DAAS_CTRL_LEADER_URL_ANNOTATION));
    *url = NULL;
    if ((rc == DAAS_OK || rc == DAAS_ENOTFOUND) &&
        (holder == NULL || holder[0] == '\0' || u == NULL || strncmp(u, "https://", 8) != 0)) {
        daas_err_clear(err);
        rc = daas_fail(err, DAAS_EUNAVAIL,
                       "admission: no server of the cluster leads the scheduler now; retry");
    } else if (rc == DAAS_OK) {
        *url = daas_xstrdup(u);
    }
    json_decref(lease);
    daas_kv_fini(&kv);
    return rc;
}

static int take_answer(const json_t *out, daas_buf *decision, daas_buf *proof, daas_err *err)
{
    const char *p = json_string_value(json_object_get(out, "proof"));
    if (p == NULL || daas_hex_append(decision, json_string_value(json_object_get(out, "decision")),
                                     DAAS_SCHED_POLICY_MAX_BYTES) != DAAS_OK)
        return daas_fail(err, DAAS_EREMOTE, "admission: the leading server's answer is malformed");
    return daas_buf_puts(proof, p);
}

/* The client of the leader at url, kept while the leader stays (a->mu held). */
static int client_for(server_admit *a, const char *url, daas_err *err)
{
    if (a->kc != NULL && strcmp(a->kc_url, url) == 0)
        return DAAS_OK;
    daas_agent_kc_free(&a->kc);
    daas_free(a->kc_url);
    a->kc_url = daas_xstrdup(url);
    daas_agent_kc_opts o = {.server = url,
                            .ca_file = a->ca_file,
                            .cert_pem = a->cert_pem,
                            .key_pem = a->key_pem,
                            .timeout_ms = FWD_TIMEOUT_MS};
    return daas_agent_kc_new(&o, &a->kc, err);
}

int server_admit_forward(void *arg, daas_bytes request_bcs, daas_bytes rules_bcs,
                         daas_buf *decision, daas_buf *proof, daas_err *err)
{
    server_admit *a = arg;
    char *url = NULL;
    json_t *out = NULL;
    long status = 0;
    int rc = leader_url(a, &url, err);
    pthread_mutex_lock(&a->mu); /* one connection to the leader, whose scheduler admits one
                                   at a time anyway */
    if (rc == DAAS_OK)
        rc = client_for(a, url, err);
    if (rc == DAAS_OK) {
        char *rq = daas_hex_new(request_bcs.ptr, request_bcs.len);
        char *ru = daas_hex_new(rules_bcs.ptr, rules_bcs.len);
        json_t *body = json_pack("{s:s,s:s}", "request", rq, "rules", ru);
        rc = daas_agent_kc_request(a->kc, "POST", "/daas/v1/admit", body, NULL, &status, &out, err);
        json_decref(body);
        daas_free(rq);
        daas_free(ru);
        if (rc != DAAS_OK) {
            daas_agent_kc_free(&a->kc); /* a new connection next time */
            rc = daas_fail(err, DAAS_EUNAVAIL,
                           "admission: the server leading the scheduler (%s) cannot be reached: "
                           "%s",
                           url, err->msg);
        }
    }
    pthread_mutex_unlock(&a->mu);
    if (rc == DAAS_OK && (status < 200 || status > 299))
        rc = daas_fail(err, daas_err_from_http(status, NULL), "%s",
                       json_string_value(json_object_get(out, "message"))
                           ?: "admission: the leading server refused");
    if (rc == DAAS_OK)
        rc = take_answer(out, decision, proof, err);
    json_decref(out);
    daas_free(url);
    return rc;
}
