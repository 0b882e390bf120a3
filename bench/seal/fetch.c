/*
 * fetch.c: the fetch_key section of bench_seal: requests per second one `daas keyserver`
 *          answers with 16 concurrent clients.
 *
 * Owns:   its own world: an in-process devnet served over HTTP (the chain the key server
 *         dry-runs seal_approve against), a staked user with a DecryptionPolicy and an
 *         AccessTicket, a key server (TLS with a throw-away self-signed certificate, as in
 *         production), and 16 client threads, each with one keep-alive HTTPS connection,
 *         posting fetch_key bodies built in advance (a fresh ElGamal key each, signed by a
 *         real session key certified by the user's Sui key). Every reply must be 200 with one
 *         key, else the section fails. Prints requests/s and p50/p99 latency.
 *         Target: >= 2,000 fetch_key/s on a 2-core machine.
 */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "bench_seal.h"
#include "common/log.h"
#include "common/util.h"
#include "devnet/node.h"
#include "keyserver/keyserver.h"
#include "pki/pki.h"
#include "seal/client.h"
#include "sui/chain.h"
#include "sui/pkg.h"
#include "sui/pkg_seal.h"

#define CLIENTS 16
#define BODIES 64 /* distinct request bodies, cycled */
#define SUI 1000000000ull
#define MAX_SAMPLES 400000

typedef struct world {
    char *dir;
    daas_devnet_node *node;
    daas_sui_chain chain;
    daas_sui_client *c;
    daas_pkg pkg;
    daas_sui_key *user, *owner;
    daas_pki *pki;
    SSL_CTX *tls;
    daas_ks *ks;
    char url[128];
    char *bodies[BODIES];
} world;

typedef struct worker {
    const world *w;
    double until;
    long ok, bad;
    double *lat; /* seconds */
    size_t nlat;
} worker;

static double now_s(void)
{
    return (double)daas_mono_ns() / 1e9;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static int funded(world *w, daas_sui_key **k, daas_err *err)
{
    uint8_t addr[32];
    uint64_t amount = 0;
    int rc = daas_sui_key_generate(DAAS_SUI_ED25519, k, err);
    daas_sui_key_address(*k, addr);
    return rc == DAAS_OK ? daas_sui_chain_faucet(&w->chain, addr, &amount, err) : rc;
}

/* Devnet, funded keys, stake, policy, ticket, and the seal_approve PTB in ptb. */
static int chain_up(world *w, daas_buf *ptb, uint8_t policy[32], daas_err *err)
{
    w->dir = daas_xasprintf("/tmp/bench-seal-XXXXXX");
    if (!mkdtemp(w->dir))
        return daas_fail(err, DAAS_EIO, "mkdtemp");
    char *cdir = daas_xasprintf("%s/chain", w->dir);
    daas_devnet_node_opts no = {.dir = cdir, .port = 0, .epoch_ms = 3600000};
    int rc = daas_devnet_node_start(&no, &w->node, err);
    daas_free(cdir);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_resolve(daas_devnet_node_chain_file(w->node), NULL, &w->chain, err);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_client(&w->chain, &w->c, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_discover(w->c, w->chain.package, &w->pkg, err);
    if (rc == DAAS_OK)
        rc = funded(w, &w->user, err);
    if (rc == DAAS_OK)
        rc = funded(w, &w->owner, err);
    daas_sui_exec_result r = {0};
    if (rc == DAAS_OK)
        rc = daas_pkg_stake(w->c, w->user, &w->pkg, 2 * SUI, DAAS_PKG_ROLE_VIEWER, &r, err);
    daas_sui_exec_result_fini(&r);
    daas_pkg_policy_params p = {.required_stake = SUI, .ticket_ttl_ms = 3600000};
    daas_pkg_policy pol;
    uint8_t ticket[32], id[40];
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_create(w->c, w->user, &w->pkg, &p, policy, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_request_access(w->c, w->user, &w->pkg, policy, ticket, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_get(w->c, &w->pkg, policy, &pol, err);
    memcpy(id, policy, 32);
    memcpy(id + 32, "bench-id", 8);
    daas_bytes ids[1] = {DAAS_BYTES(id, sizeof id)};
    if (rc == DAAS_OK)
        rc = daas_pkg_policy_approve_ptb(w->c, &w->pkg, &pol, ticket, ids, 1, ptb, err);
    return rc;
}

/* A key server on TLS (a certificate from a throw-away CA) for the chain's objects. */
static int ks_up(world *w, daas_err *err)
{
    uint8_t msk[32], pk[96], id[32];
    const char *action = NULL;
    daas_pki_opts po = {.data_dir = w->dir, .no_kubeconfig = true};
    int rc = daas_pki_ensure(&po, &w->pki, err);
    if (rc == DAAS_OK)
        rc = daas_pki_server_ctx(w->pki, &w->tls, err);
    if (rc == DAAS_OK)
        rc = daas_seal_msk_generate(msk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(msk, pk, err);
    if (rc == DAAS_OK)
        rc = daas_ks_register(w->c, w->owner, w->chain.seal_package, "bench", "https://x", pk,
                              id, &action, err);
    daas_ks_config cfg = {.port = 0, .threads = 4, .client = w->c, .has_seal_pkg = true,
                          .tls = w->tls};
    memcpy(cfg.msk, msk, 32);
    memcpy(cfg.object_id, id, 32);
    memcpy(cfg.seal_pkg, w->chain.seal_package, 32);
    const uint8_t(*known)[32] = &w->chain.package;
    cfg.known_pkgs = known;
    cfg.n_known_pkgs = 1;
    if (rc == DAAS_OK)
        rc = daas_ks_new(&cfg, &w->ks, err);
    daas_seal_wipe(msk, sizeof msk);
    if (rc == DAAS_OK)
        rc = daas_ks_start(w->ks, err);
    snprintf(w->url, sizeof w->url, "https://127.0.0.1:%d/v1/fetch_key", daas_ks_port(w->ks));
    return rc;
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    daas_buf *b = arg;
    return daas_buf_append(b, p, size * n) == DAAS_OK ? size * n : 0;
}

static void *work(void *arg)
{
    worker *k = arg;
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Client-Sdk-Type: rust");
    hdrs = curl_slist_append(hdrs, "Client-Sdk-Version: 0.1.0");
    daas_buf body = {0};
    curl_easy_setopt(h, CURLOPT_URL, k->w->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_CAINFO, daas_pki_ca_path(k->w->pki));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    for (size_t i = (size_t)k % BODIES; now_s() < k->until; i = (i + 1) % BODIES) {
        daas_buf_reset(&body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, k->w->bodies[i]);
        double t0 = now_s();
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK &&
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
            status == 200 && body.len > 0 && strstr(body.data, "decryption_keys")) {
            k->ok++;
            if (k->nlat < MAX_SAMPLES / CLIENTS)
                k->lat[k->nlat++] = now_s() - t0;
        } else {
            k->bad++;
        }
    }
    daas_buf_fini(&body);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void world_down(world *w)
{
    for (size_t i = 0; i < BODIES; i++)
        daas_free(w->bodies[i]);
    daas_ks_free(&w->ks);
    SSL_CTX_free(w->tls);
    daas_pki_free(&w->pki);
    daas_sui_key_free(&w->user);
    daas_sui_key_free(&w->owner);
    daas_sui_client_free(&w->c);
    daas_devnet_node_stop(&w->node);
    if (w->dir)
        nftw(w->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(w->dir);
}

/* Runs the clients for o->seconds and prints the figures. */
static int measure(world *w, const bench_seal_opts *o)
{
    static worker ws[CLIENTS];
    pthread_t th[CLIENTS];
    double *lat = daas_xcalloc(MAX_SAMPLES, sizeof *lat);
    double t0 = now_s(), secs = o->seconds > 0 ? o->seconds : 2;
    for (size_t i = 0; i < CLIENTS; i++) {
        ws[i] = (worker){.w = w, .until = t0 + secs, .lat = lat + i * (MAX_SAMPLES / CLIENTS)};
        pthread_create(&th[i], NULL, work, &ws[i]);
    }
    long ok = 0, bad = 0;
    size_t n = 0;
    for (size_t i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        ok += ws[i].ok, bad += ws[i].bad;
        memmove(lat + n, ws[i].lat, ws[i].nlat * sizeof *lat);
        n += ws[i].nlat;
    }
    double el = now_s() - t0;
    qsort(lat, n, sizeof *lat, cmp_double);
    printf("\nfetch_key (one key server, TLS keep-alive, %d concurrent clients, dry run of "
           "seal_approve on the devnet over HTTP)\n",
           CLIENTS);
    printf("  requests/s   %10.0f   (target >= 2,000)\n", (double)ok / el);
    if (n > 0)
        printf("  latency      p50 %.2f ms, p99 %.2f ms over %ld requests\n",
               lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3, ok);
    daas_free(lat);
    if (bad > 0 || ok == 0) {
        fprintf(stderr, "bench_seal: fetch_key: %ld requests failed\n", bad);
        return 1;
    }
    return 0;
}

int bench_seal_fetch(const bench_seal_opts *o)
{
    world w = {0};
    daas_err err = {0};
    daas_buf ptb = {0};
    uint8_t policy[32], sk[32];
    daas_seal_session *s = NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int level = daas_log_level();
    daas_log_set_level(DAAS_LOG_WARN); /* one info line per request would be measured too */
    int rc = chain_up(&w, &ptb, policy, &err);
    if (rc == DAAS_OK)
        rc = ks_up(&w, &err);
    if (rc == DAAS_OK)
        rc = daas_seal_session_new(w.user, w.pkg.package, 10, &s, &err);
    for (size_t i = 0; rc == DAAS_OK && i < BODIES; i++) {
        daas_buf b = {0};
        rc = daas_seal_session_request(s, DAAS_BYTES(ptb.data, ptb.len), sk, &b, &err);
        w.bodies[i] = daas_buf_steal(&b, NULL);
    }
    daas_seal_wipe(sk, sizeof sk);
    daas_seal_session_free(&s);
    daas_buf_fini(&ptb);
    int ret = 1;
    if (rc != DAAS_OK)
        fprintf(stderr, "bench_seal: fetch_key setup: %s\n", err.msg);
    else
        ret = measure(&w, o);
    world_down(&w);
    daas_log_set_level(level);
    curl_global_cleanup();
    return ret;
}
