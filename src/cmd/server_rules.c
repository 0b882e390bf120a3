/*
 * server_rules.c: the cluster rules admission evaluates (api.h daas_api_set_rules_source),
 *                 read from the chain's cluster_rules::ClusterRules and kept for a while.
 *
 * Owns:   server_rules (server_int.h): the object's id once found, the last rules read and
 *         when.
 * Invariants:
 *   - rules are at most RULES_FRESH_MS old when the chain answers; while it does not, the
 *     last rules read serve for up to RULES_STALE_MS, then admission fails closed (the
 *     write is refused with the chain's error), never falls back to defaults;
 *   - the lock is not held across a chain call (two refreshes may race; both are correct).
 * Spec:   move/README.md `cluster_rules`; sui/pkg_rules.h.
 */
#include <string.h>

#include "cmd/server_int.h"
#include "common/log.h"
#include "common/util.h"

#define RULES_FRESH_MS 5000
#define RULES_STALE_MS 300000

static int refresh(server_rules *sr, daas_pkg_rules *out, daas_err *err)
{
    daas_sui_client *c = sr->chain->client;
    const daas_pkg *pkg = &sr->chain->pkg;
    pthread_mutex_lock(&sr->mu);
    bool found = sr->found;
    daas_pkg_rules_ref ref = sr->ref;
    pthread_mutex_unlock(&sr->mu);
    int rc = found ? DAAS_OK : daas_pkg_rules_find(c, pkg, &ref, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_read(c, pkg, &ref, out, err);
    if (rc != DAAS_OK)
        return rc;
    pthread_mutex_lock(&sr->mu);
    sr->ref = ref;
    sr->found = true;
    sr->rules = *out;
    sr->read_ms = daas_now_ms();
    pthread_mutex_unlock(&sr->mu);
    return DAAS_OK;
}

/* daas_api_rules_fn */
static int rules_source(void *arg, daas_buf *out, daas_err *err)
{
    server_rules *sr = arg;
    daas_pkg_rules *r = daas_xmalloc(sizeof *r);
    int64_t now = daas_now_ms();
    pthread_mutex_lock(&sr->mu);
    bool fresh = sr->read_ms > 0 && now - sr->read_ms < RULES_FRESH_MS;
    bool usable = sr->read_ms > 0 && now - sr->read_ms < RULES_STALE_MS;
    *r = sr->rules;
    pthread_mutex_unlock(&sr->mu);
    int rc = DAAS_OK;
    if (!fresh) {
        daas_err e = {0};
        rc = refresh(sr, r, &e);
        if (rc != DAAS_OK && usable) {
            DAAS_WARN("server", "cluster rules: %s; using the rules read %lld s ago", e.msg,
                      (long long)(now - sr->read_ms) / 1000);
            rc = DAAS_OK;
        } else if (rc != DAAS_OK) {
            rc = daas_fail(err, DAAS_EUNAVAIL, "admission: cannot read the cluster rules: %s",
                           e.msg);
        }
    }
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_bcs(r, out, err);
    daas_free(r);
    return rc;
}

void server_rules_start(server_rules *sr, server_chain *chain, daas_api *api)
{
    memset(sr, 0, sizeof *sr);
    if (chain->client == NULL)
        return; /* no chain: the published defaults (api.h) */
    sr->chain = chain;
    pthread_mutex_init(&sr->mu, NULL);
    sr->inited = true;
    daas_api_set_rules_source(api, rules_source, sr);
}

void server_rules_stop(server_rules *sr)
{
    if (sr->inited)
        pthread_mutex_destroy(&sr->mu);
    sr->inited = false;
}
