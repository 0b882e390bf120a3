/*
 * open.c: opening sealed Kubernetes objects end to end (see open.h).
 *
 * Owns:   the opener: a Seal client built from the configuration, the session key (renewed
 *         when less than a minute of it is left).
 * Invariants: see open.h; a ticket is requested only when the keys are not cached.
 */
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "seal/kube.h"
#include "seal/open.h"
#include "sui/pkg_seal.h"

#define SESSION_TTL_MIN 10
#define SESSION_MARGIN_MS 60000

struct daas_seal_opener {
    const daas_sui_key *key;
    daas_sui_client *chain;
    const daas_pkg *pkg;
    const daas_seal_config *cfg;
    daas_seal_client *client;
    daas_seal_session *session;
};

int daas_seal_opener_new(const daas_sui_key *key, daas_sui_client *chain, const daas_pkg *pkg,
                         const daas_seal_config *cfg, daas_seal_opener **out, daas_err *err)
{
    *out = NULL;
    if (memcmp(cfg->cluster.package_id, pkg->package, DAAS_SEAL_ADDR_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "seal: the configuration is for another package than the chain's");
    daas_seal_client_opts co;
    daas_seal_config_client_opts(cfg, &co);
    daas_seal_opener *o = daas_xcalloc(1, sizeof *o);
    o->key = key, o->chain = chain, o->pkg = pkg, o->cfg = cfg;
    int rc = daas_seal_client_new(&co, &o->client, err);
    if (rc != DAAS_OK) {
        daas_free(o);
        return rc;
    }
    *out = o;
    return DAAS_OK;
}

void daas_seal_opener_free(daas_seal_opener **o)
{
    if (!o || !*o)
        return;
    daas_seal_session_free(&(*o)->session);
    daas_seal_client_free(&(*o)->client);
    daas_free(*o);
    *o = NULL;
}

static int session(daas_seal_opener *o, daas_err *err)
{
    if (o->session && !daas_seal_session_expiring(o->session, daas_now_ms(), SESSION_MARGIN_MS))
        return DAAS_OK;
    daas_seal_session_free(&o->session);
    return daas_seal_session_new(o->key, o->cfg->cluster.package_id, SESSION_TTL_MIN,
                                 &o->session, err);
}

/* Keys for (pkg, id) covering the threshold of the object's services: from the cache, else
 * a ticket from the policy the identity names (its first 32 bytes) and a fetch. */
static int get_keys(daas_seal_opener *o, const daas_seal_object *so, daas_err *err)
{
    daas_bytes id = DAAS_BYTES(so->id, so->id_len);
    daas_seal_derived keys[DAAS_SEAL_CLIENT_MAX_SERVERS];
    size_t n = daas_seal_client_keys(o->client, so->package_id, id, keys,
                                     DAAS_SEAL_CLIENT_MAX_SERVERS);
    size_t entries = 0;
    for (size_t i = 0; i < so->nservices; i++)
        for (size_t j = 0; j < n; j++)
            entries += memcmp(so->services[i].object_id, keys[j].object_id,
                              DAAS_SEAL_ADDR_LEN) == 0;
    daas_seal_wipe(keys, sizeof keys);
    if (entries >= so->threshold)
        return DAAS_OK;
    daas_pkg_policy pol;
    uint8_t ticket[DAAS_SUI_ADDRESS_LEN];
    daas_buf ptb = {0};
    if (so->id_len < DAAS_SEAL_ADDR_LEN)
        return daas_fail(err, DAAS_EINVAL, "the identity names no policy");
    int rc = daas_pkg_policy_get(o->chain, o->pkg, so->id, &pol, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_request_access(o->chain, o->key, o->pkg, pol.id, ticket, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_approve_ptb(o->chain, o->pkg, &pol, ticket, &id, 1, &ptb, err);
    if (rc == DAAS_OK)
        rc = session(o, err);
    if (rc == DAAS_OK)
        rc = daas_seal_client_fetch(o->client, o->session, DAAS_BYTES(ptb.data, ptb.len),
                                    so->package_id, id, so->services, so->nservices,
                                    so->threshold, err);
    daas_buf_fini(&ptb);
    return rc;
}

int daas_seal_open_object(daas_seal_opener *o, const daas_seal_object *so, daas_buf *out,
                          daas_err *err)
{
    if (memcmp(so->package_id, o->cfg->cluster.package_id, DAAS_SEAL_ADDR_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL, "the object is sealed for another package");
    int rc = get_keys(o, so, err);
    if (rc == DAAS_OK)
        rc = daas_seal_client_decrypt(o->client, so, out, err);
    return rc;
}

/* The first sealed value of obj, parsed (for its identity and service list). */
static int first_object(const json_t *obj, daas_seal_object *out, daas_err *err)
{
    static const char *const fields[] = {"data", "binaryData", NULL};
    for (size_t f = 0; fields[f]; f++) {
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(obj, fields[f]), key, v) {
            daas_buf raw = {0};
            const char *s = json_string_value(v);
            int rc = s && daas_base64_decode(s, json_string_length(v), &raw) == DAAS_OK
                         ? daas_seal_object_parse(DAAS_BYTES(raw.data, raw.len), out, err)
                         : daas_fail(err, DAAS_EINVAL, "%s[%s]: not a sealed value", fields[f],
                                     key);
            daas_buf_fini(&raw);
            return rc;
        }
    }
    return daas_fail(err, DAAS_ENOTFOUND, "the object has no values");
}

int daas_seal_open_kube(daas_seal_opener *o, json_t *obj, daas_err *err)
{
    if (!daas_seal_kube_is_sealed(obj))
        return daas_fail(err, DAAS_EINVAL, "the object is not sealed");
    daas_seal_object so = {0};
    int rc = first_object(obj, &so, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        return daas_seal_kube_unseal(obj, NULL, 0, NULL, 0, err); /* nothing to open */
    }
    if (rc == DAAS_OK && (memcmp(so.package_id, o->cfg->cluster.package_id, 32) != 0 ||
                          so.id_len < DAAS_SEAL_ADDR_LEN ||
                          memcmp(so.id, o->cfg->cluster.policy_id, DAAS_SEAL_ADDR_LEN) != 0))
        rc = daas_fail(err, DAAS_EINVAL,
                       "the object is sealed for another package or policy than the cluster's");
    if (rc == DAAS_OK)
        rc = get_keys(o, &so, err);
    daas_seal_derived keys[DAAS_SEAL_CLIENT_MAX_SERVERS];
    daas_seal_server pks[DAAS_SEAL_CLIENT_MAX_SERVERS];
    if (rc == DAAS_OK) {
        size_t n = daas_seal_client_keys(o->client, so.package_id, DAAS_BYTES(so.id, so.id_len),
                                         keys, DAAS_SEAL_CLIENT_MAX_SERVERS);
        size_t npks = daas_seal_client_servers(o->client, pks, DAAS_SEAL_CLIENT_MAX_SERVERS);
        rc = daas_seal_kube_unseal(obj, keys, n, pks, npks, err);
    }
    daas_seal_wipe(keys, sizeof keys);
    daas_seal_object_fini(&so);
    return rc;
}
