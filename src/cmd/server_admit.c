/*
 * server_admit.c: a server that does not lead the scheduler forwards admissions to the one
 *                 that does (several servers on one etcd): it finds the leader's URL on the
 *                 controllers' Lease (annotation daas.io/holder-url, written by the leader)
 *                 and POSTs the request to its /daas/v1/admit over TLS, as a client
 *                 certificate of the cluster CA.
 *
 * Owns:   server_admit (server_int.h): the in-memory client identity (CN system:daas-server,
 *         O system:masters), the CA file.
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

#define LEASE_KEY "/registry/leases/kube-system/daas-controllers"
#define FWD_TIMEOUT_MS 15000

int server_admit_init(server_admit *a, daas_pki *pki, daas_store *store, daas_err *err)
{
    static const char *const orgs[] = {"system:masters"};
    a->store = store;
    a->ca_file = daas_xstrdup(daas_pki_ca_path(pki));
    return daas_pki_client_pem(pki, "system:daas-server", orgs, 1, &a->cert_pem, &a->key_pem, err);
}

void server_admit_fini(server_admit *a)
{
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
    const char *d = json_string_value(json_object_get(out, "decision"));
    const char *p = json_string_value(json_object_get(out, "proof"));
    size_t n = d ? strlen(d) : 0;
    if (d == NULL || p == NULL || n % 2 != 0)
        return daas_fail(err, DAAS_EREMOTE, "admission: the leading server's answer is malformed");
    uint8_t *b = daas_xmalloc(n / 2 + 1);
    int rc = daas_hex_decode(d, n / 2, b) ? daas_buf_append(decision, b, n / 2)
                                          : daas_fail(err, DAAS_EREMOTE,
                                                      "admission: the leading server's decision "
                                                      "is not hex");
    daas_free(b);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(proof, p);
    return rc;
}

int server_admit_forward(void *arg, daas_bytes request_bcs, daas_bytes rules_bcs,
                         daas_buf *decision, daas_buf *proof, daas_err *err)
{
    server_admit *a = arg;
    char *url = NULL;
    daas_agent_kc *c = NULL;
    json_t *out = NULL;
    int rc = leader_url(a, &url, err);
    if (rc == DAAS_OK) {
        daas_agent_kc_opts o = {.server = url,
                                .ca_file = a->ca_file,
                                .cert_pem = a->cert_pem,
                                .key_pem = a->key_pem,
                                .timeout_ms = FWD_TIMEOUT_MS};
        rc = daas_agent_kc_new(&o, &c, err);
    }
    if (rc == DAAS_OK) {
        char *rq = daas_xmalloc(2 * request_bcs.len + 1), *ru = daas_xmalloc(2 * rules_bcs.len + 1);
        json_t *body =
            json_pack("{s:s,s:s}", "request", daas_hex_encode(request_bcs.ptr, request_bcs.len, rq),
                      "rules", daas_hex_encode(rules_bcs.ptr, rules_bcs.len, ru));
        long status = 0;
        rc = daas_agent_kc_request(c, "POST", "/daas/v1/admit", body, NULL, &status, &out, err);
        json_decref(body);
        daas_free(rq);
        daas_free(ru);
        if (rc != DAAS_OK)
            rc = daas_fail(err, DAAS_EUNAVAIL,
                           "admission: the server leading the scheduler (%s) cannot be reached: "
                           "%s",
                           url, err->msg);
        else if (status < 200 || status > 299)
            rc = daas_fail(err, daas_err_from_http(status, NULL), "%s",
                           json_string_value(json_object_get(out, "message"))
                               ?: "admission: the leading server refused");
    }
    if (rc == DAAS_OK)
        rc = take_answer(out, decision, proof, err);
    json_decref(out);
    daas_agent_kc_free(&c);
    daas_free(url);
    return rc;
}
