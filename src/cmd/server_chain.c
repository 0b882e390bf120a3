/*
 * server_chain.c: the API server's link to Sui: the devnet under --dev, the daas package,
 * the stake source the Sui authenticator asks, and the follower of staking events.
 *
 * Owns:   server_chain (server_int.h).
 * Invariants:
 *   - the stake source answers from the chain (stake entry + pool thresholds, role_of as
 *     move/README.md); the authenticator caches it; every Staked/Unstaked/Slashed event
 *     drops that address from the cache and ParamsChanged drops all of it, within one poll
 *     interval (POLL_MS) of the event reaching the chain;
 *   - the follower never stops on a chain error: it logs and retries at the next poll.
 */
#include <string.h>
#include <time.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "devnet/node.h"

#define POLL_MS 500

/* ---- the stake source ---- */

static int stake_lookup(void *self, const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                        daas_stake_info *out, daas_err *err)
{
    server_chain *ch = self;
    daas_pkg_stake_info st = {0};
    int rc = daas_pkg_stake_of(ch->client, &ch->pkg, addr, &st, err);
    if (rc != DAAS_OK)
        return rc;
    pthread_mutex_lock(&ch->mu);
    out->role = daas_pkg_role_of(&ch->params, &st);
    pthread_mutex_unlock(&ch->mu);
    out->amount = st.amount;
    out->slashed = st.slashed;
    return DAAS_OK;
}

static int load_params(server_chain *ch, daas_err *err)
{
    daas_pkg_params p;
    int rc = daas_pkg_get_params(ch->client, &ch->pkg, &p, err);
    if (rc == DAAS_OK) {
        pthread_mutex_lock(&ch->mu);
        ch->params = p;
        pthread_mutex_unlock(&ch->mu);
    }
    return rc;
}

/* ---- the event follower ---- */

static int on_event(void *arg, const daas_pkg_event *ev, daas_err *err)
{
    server_chain *ch = arg;
    if (strcmp(ev->name, "ParamsChanged") == 0) {
        int rc = load_params(ch, err);
        if (rc != DAAS_OK)
            return rc;
        daas_authn_sui_invalidate_all(ch->auth);
    } else if (ev->has_staker) {
        daas_authn_sui_invalidate(ch->auth, ev->staker);
    }
    return DAAS_OK;
}

static void *follow(void *arg)
{
    server_chain *ch = arg;
    pthread_mutex_lock(&ch->mu);
    while (!atomic_load(&ch->stop)) {
        pthread_mutex_unlock(&ch->mu);
        daas_err err = {0};
        if (daas_pkg_poll_events(ch->client, &ch->pkg, &ch->cursor, on_event, ch, &err) != DAAS_OK)
            DAAS_WARN("server", "following staking events: %s", err.msg);
        pthread_mutex_lock(&ch->mu);
        struct timespec until = daas_deadline_ms(POLL_MS);
        if (!atomic_load(&ch->stop))
            pthread_cond_timedwait(&ch->wake, &ch->mu, &until);
    }
    pthread_mutex_unlock(&ch->mu);
    return NULL;
}

static int ignore_event(void *arg, const daas_pkg_event *ev, daas_err *err)
{
    (void)arg, (void)ev, (void)err;
    return DAAS_OK;
}

/* Reads events up to now so the follower starts at the chain's present. */
static int skip_history(server_chain *ch, daas_err *err)
{
    return daas_pkg_poll_events(ch->client, &ch->pkg, &ch->cursor, ignore_event, NULL, err);
}

/* ---- start / stop ---- */

static int start_devnet(server_chain *ch, const server_chain_opts *o, daas_err *err)
{
    char *dir = daas_xasprintf("%s/devnet", o->data_dir);
    daas_devnet_node_opts no = {.dir = dir, .tls = o->tls, .ca_path = o->ca_path,
                                .dev_root = o->dev_root,
                                .epoch_ms = o->epoch_ms};
    int rc = daas_devnet_node_start(&no, &ch->node, err);
    if (rc == DAAS_OK) {
        ch->devnet = daas_devnet_node_chain(ch->node);
        rc = daas_sui_chain_resolve(daas_devnet_node_chain_file(ch->node), NULL, &ch->chain, err);
    }
    daas_free(dir);
    return rc;
}

static void init_sync(server_chain *ch)
{
    daas_cond_init_mono(&ch->wake);
    pthread_mutex_init(&ch->mu, NULL);
    atomic_init(&ch->stop, false);
    ch->sync_ready = true;
}

int server_chain_start(server_chain *ch, const server_chain_opts *o, daas_authn *authn,
                       daas_err *err)
{
    init_sync(ch);
    if (!o->dev && o->chain == NULL)
        return DAAS_OK;
    int rc = o->dev ? start_devnet(ch, o, err)
                    : daas_sui_chain_resolve(o->chain, o->package, &ch->chain, err);
    if (rc == DAAS_OK && !ch->chain.has_package)
        rc = daas_fail(err, DAAS_EINVAL, "--chain needs --package 0x... (the daas package)");
    if (rc == DAAS_OK)
        rc = daas_sui_chain_client(&ch->chain, &ch->client, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_discover(ch->client, ch->chain.package, &ch->pkg, err);
    if (rc == DAAS_OK)
        rc = load_params(ch, err);
    if (rc == DAAS_OK)
        rc = skip_history(ch, err);
    if (rc != DAAS_OK)
        return rc;
    daas_authn_sui_opts ao = {.cluster_id = o->cluster_id,
                              .source = {.lookup = stake_lookup, .self = ch}};
    rc = daas_authn_add_sui(authn, &ao, &ch->auth, err);
    if (rc != DAAS_OK)
        return rc;
    if (pthread_create(&ch->follower, NULL, follow, ch) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "cannot start the staking event follower");
    ch->follower_running = true;
    DAAS_INFO("server", "Sui: %s%s, daas package verified; wallet tokens accepted for cluster %s",
              ch->chain.url, ch->chain.dev ? " (DEV CHAIN)" : "", o->cluster_id);
    return DAAS_OK;
}

void server_chain_stop(server_chain *ch)
{
    if (ch->follower_running) {
        pthread_mutex_lock(&ch->mu);
        atomic_store(&ch->stop, true);
        pthread_cond_signal(&ch->wake);
        pthread_mutex_unlock(&ch->mu);
        pthread_join(ch->follower, NULL);
        ch->follower_running = false;
    }
    daas_sui_client_free(&ch->client);
    daas_devnet_node_stop(&ch->node);
    ch->devnet = NULL;
    daas_free(ch->cursor);
    ch->cursor = NULL;
    if (ch->sync_ready) {
        pthread_cond_destroy(&ch->wake);
        pthread_mutex_destroy(&ch->mu);
        ch->sync_ready = false;
    }
}
