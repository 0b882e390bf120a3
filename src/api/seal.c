/*
 * seal.c: the API's Secret sealing step (ARCHITECTURE.md §3.4): before a Secret, or a
 * ConfigMap annotated daas.io/sensitive: "true", is stored, its values are sealed with Seal
 * for the cluster's key servers and policy, so the store, the watch cache and every response
 * only ever hold EncryptedObjects.
 *
 * Owns:   the decision sealed / refused / stored in plaintext (tests that say so).
 * Not:    the sealed form and its checks (seal/kube.c).
 * Invariants: runs after validation and before dry-run answers and the store, on create,
 *         update, patch and apply alike; an object it fails on is not stored.
 */
#include "api/write_int.h"
#include "kube/obj.h"
#include "seal/kube.h"

int daas_api__seal(daas_api__req *r, json_t *obj, daas_err *err)
{
    if (!daas_seal_kube_applies(obj))
        return DAAS_OK;
    if (r->api->seal)
        return daas_seal_kube_seal(r->api->seal, obj, err);
    if (r->api->unsealed_ok)
        return DAAS_OK;
    const char *kind = daas_kube_str(obj, "kind");
    return daas_fail(err, DAAS_EUNAVAIL,
                     "%ss cannot be stored: this server has no Seal key servers to seal them "
                     "for (start it with --dev or --seal-config FILE)",
                     kind ? kind : "object");
}
