/*
 * ipclaim.c: ClusterIP claims in the store, so servers sharing a datastore never hand one
 *            address to two Services created at the same moment.
 *
 * Owns:   the keys /daas/clusterips/<ip>: {"until": wall-clock ms}, made while a Service
 *         create holding that address is in flight, deleted once it settled.
 * Not:    choosing addresses (subres.c with ctrl/ipalloc.h: the stored Services and this
 *         server's pending creates are the truth; a claim only guards the window before the
 *         Service reaches the store).
 * Model:  like kube-apiserver's IPAddress objects: the address is a key, and creating the key
 *         is the allocation. A claim whose server died is taken over once its time is up
 *         (a compare on its revision: two servers cannot both take it).
 * Invariants: a claim is made with create-if-absent or compare-and-swap only; losing either
 *             race is DAAS_EEXIST, never a shared address.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"

#define CLAIM_MS 30000

static char *claim_key(const char *ip)
{
    return daas_xasprintf("/daas/clusterips/%s", ip);
}

/* true when the stored claim kv has run out (or does not parse: a claim is ours to write). */
static bool expired(const daas_kv *kv, int64_t now)
{
    json_t *j = json_loadb(kv->val->data, kv->val->len, 0, NULL);
    json_int_t until = json_integer_value(json_object_get(j, "until"));
    json_decref(j);
    return until < now;
}

int daas_api__ip_claim(daas_api *api, const char *ip, daas_err *err)
{
    char *key = claim_key(ip);
    char val[64];
    int64_t now = daas_now_ms();
    snprintf(val, sizeof val, "{\"until\":%lld}", (long long)(now + CLAIM_MS));
    daas_bytes v = DAAS_BYTES(val, strlen(val));
    int rc = daas_store_create(api->store, key, v, NULL, err);
    if (rc == DAAS_EEXIST) {
        daas_kv kv = {0};
        memset(err, 0, sizeof *err);
        rc = daas_store_get(api->store, key, &kv, err);
        if (rc == DAAS_OK && expired(&kv, now))
            rc = daas_store_update(api->store, key, v, kv.mod_rev, NULL, err);
        else if (rc == DAAS_OK || rc == DAAS_ENOTFOUND) /* held, or just released: retry */
            rc = daas_fail(err, DAAS_EEXIST, "ClusterIP %s is being allocated elsewhere", ip);
        if (rc == DAAS_ECONFLICT)
            rc = daas_fail(err, DAAS_EEXIST, "ClusterIP %s is being allocated elsewhere", ip);
        daas_kv_fini(&kv);
    }
    daas_free(key);
    return rc;
}

void daas_api__ip_unclaim(daas_api *api, const char *ip)
{
    char *key = claim_key(ip);
    daas_err e = {0};
    if (daas_store_delete(api->store, key, 0, NULL, NULL, &e) != DAAS_OK)
        DAAS_DEBUG("api", "ClusterIP claim %s stays until it runs out: %s", ip, e.msg);
    daas_free(key);
}
