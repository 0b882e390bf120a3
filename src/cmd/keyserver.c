/*
 * keyserver.c: `daas keyserver`: a Seal key server speaking Mysten's HTTP protocol, with its
 * KeyServer object registered on chain, until SIGINT/SIGTERM.
 *
 * Owns:   the command's flags, the TLS context from --tls-cert/--tls-key, the startup line.
 * Not:    the server (keyserver/keyserver.h).
 * Invariants: plain HTTP only with --insecure-http, announced loudly; the master key never
 *             reaches stdout, stderr or the log; exit 0 after a clean stop on a signal.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "keyserver/keyserver.h"

#define NAME "keyserver"
#define MOD "keyserver"

typedef struct ks_opts {
    const char *master_key, *listen, *tls_cert, *tls_key, *chain, *key, *keystore;
    const char *name, *url, *object_id, *seal_package;
    bool insecure;
    char host[256];
    int port;
} ks_opts;

static const char usage_text[] =
    "--master-key FILE (--tls-cert FILE --tls-key FILE | --insecure-http)\n"
    "       [--listen HOST:PORT] [--chain FILE|URL] [--seal-package 0x...]\n"
    "       (--key KEYSPEC [--keystore FILE] --url URL [--name NAME] | --object-id 0x...)\n"
    "       [--log-level L]\n\n"
    "Serves Seal's key-server protocol (POST /v1/fetch_key, GET /v1/service) for one master\n"
    "key and its KeyServer object on chain.\n\n"
    "  --master-key FILE   32-byte master key as 64 hex digits, mode 0600; created if missing\n"
    "  --listen HOST:PORT  default 127.0.0.1:2024\n"
    "  --tls-cert, --tls-key  PEM certificate chain and key to serve HTTPS with\n"
    "  --insecure-http     serve plain HTTP (tests only)\n"
    "  --chain FILE|URL    the chain (default $DAAS_CHAIN)\n"
    "  --seal-package ID   Seal's package (default: the chain file's seal_package)\n"
    "  --key KEYSPEC       the KeyServer owner: finds or creates its KeyServer for this key\n"
    "  --url URL           the URL clients reach this server at (kept current on chain)\n"
    "  --name NAME         the KeyServer's name (default daas)\n"
    "  --object-id ID      serve this existing KeyServer (its pk must be the master key's)\n"
    "  --log-level L       debug, info, warn or error (default info)";

static int parse_listen(const char *s, ks_opts *o)
{
    const char *colon = strrchr(s, ':');
    const char *h = s;
    size_t hl;
    char *end;
    unsigned long p;

    if (colon == NULL)
        return -1;
    hl = (size_t)(colon - s);
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') /* [::1]:2024 */
        h = s + 1, hl -= 2;
    if (hl == 0 || hl >= sizeof o->host)
        return -1;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || colon[1] == '-' || p > 65535)
        return -1;
    memcpy(o->host, h, hl);
    o->host[hl] = '\0';
    o->port = (int)p;
    return 0;
}

/* 0: go on; 1: --help; 2: bad usage (message printed). */
static int parse_args(int argc, char **argv, ks_opts *o)
{
    static const struct option lo[] = {{"master-key", required_argument, 0, 'm'},
                                       {"listen", required_argument, 0, 'l'},
                                       {"tls-cert", required_argument, 0, 'c'},
                                       {"tls-key", required_argument, 0, 'k'},
                                       {"insecure-http", no_argument, 0, 'I'},
                                       {"chain", required_argument, 0, 'C'},
                                       {"key", required_argument, 0, 'K'},
                                       {"keystore", required_argument, 0, 'S'},
                                       {"name", required_argument, 0, 'n'},
                                       {"url", required_argument, 0, 'u'},
                                       {"object-id", required_argument, 0, 'o'},
                                       {"seal-package", required_argument, 0, 'P'},
                                       {"log-level", required_argument, 0, 'v'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char **slot[128] = {
        ['m'] = &o->master_key, ['l'] = &o->listen,    ['c'] = &o->tls_cert,    ['k'] = &o->tls_key,
        ['C'] = &o->chain,      ['K'] = &o->key,       ['S'] = &o->keystore,    ['n'] = &o->name,
        ['u'] = &o->url,        ['o'] = &o->object_id, ['P'] = &o->seal_package};
    const char *why = NULL;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c > 0 && c < 128 && slot[c] != NULL)
            *slot[c] = optarg;
        else if (c == 'I')
            o->insecure = true;
        else if (c == 'v' && daas_cmd_log_level(optarg) >= 0)
            daas_log_set_level(daas_cmd_log_level(optarg));
        else
            return c == 'h' ? 1 : 2;
    }
    if (optind < argc)
        why = "unexpected argument";
    else if (o->master_key == NULL)
        why = "--master-key is required";
    else if (o->insecure == (o->tls_cert != NULL || o->tls_key != NULL))
        why = "give --tls-cert and --tls-key, or --insecure-http";
    else if (!o->insecure && (o->tls_cert == NULL || o->tls_key == NULL))
        why = "--tls-cert and --tls-key go together";
    else if (o->object_id == NULL && (o->key == NULL || o->url == NULL))
        why = "give --key and --url (find or create the KeyServer), or --object-id";
    else if (parse_listen(o->listen, o) != 0)
        why = "--listen wants HOST:PORT";
    if (why != NULL)
        fprintf(stderr, "daas %s: %s\n", NAME, why);
    return why != NULL ? 2 : 0;
}

static int tls_ctx(const ks_opts *o, SSL_CTX **out, daas_err *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    *out = NULL;
    if (ctx == NULL)
        return daas_from_ssl(err, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return daas_fail(err, DAAS_EINVAL, "TLS: cannot use certificate %s with key %s",
                         o->tls_cert, o->tls_key);
    }
    *out = ctx;
    return DAAS_OK;
}

/* The KeyServer object to serve: --object-id (checked) or found/created for --key. */
static int key_server_object(const ks_opts *o, daas_cmd_chain *s, const uint8_t seal_pkg[32],
                             const uint8_t pk[DAAS_SEAL_G2_LEN], uint8_t id[32], daas_err *err)
{
    const char *action = NULL;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc;

    if (o->object_id != NULL) {
        rc = daas_sui_address_parse(o->object_id, id, err);
        return rc == DAAS_OK ? daas_ks_verify_object(s->c, id, pk, err) : rc;
    }
    rc = daas_ks_register(s->c, s->k, seal_pkg, o->name != NULL ? o->name : "daas", o->url, pk, id,
                          &action, err);
    if (rc == DAAS_OK) {
        daas_sui_address_hex(id, hex);
        DAAS_INFO(MOD, "KeyServer %s %s (url %s)", hex, action, o->url);
    }
    return rc;
}

static void announce(const ks_opts *o, daas_ks *ks, const uint8_t id[32])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], pkhex[2 * DAAS_SEAL_G2_LEN + 1];
    uint8_t pk[DAAS_SEAL_G2_LEN];
    bool v6 = strchr(o->host, ':') != NULL;

    daas_ks_public_key(ks, pk);
    daas_hex_encode(pk, sizeof pk, pkhex);
    daas_sui_address_hex(id, hex);
    if (o->insecure)
        DAAS_WARN(MOD, "PLAIN HTTP (--insecure-http): derived keys travel ElGamal-encrypted, "
                       "but certificates and policies are visible; for tests only");
    printf("keyserver: serving %s pk %s on %s://%s%s%s:%d\n", hex, pkhex,
           o->insecure ? "http" : "https", v6 ? "[" : "", o->host, v6 ? "]" : "", daas_ks_port(ks));
    fflush(stdout);
}

static int run(const ks_opts *o, const sigset_t *set, daas_err *err)
{
    daas_cmd_chain s = {0};
    daas_ks_config cfg = {.bind = o->host, .port = o->port};
    uint8_t pk[DAAS_SEAL_G2_LEN];
    SSL_CTX *tls = NULL;
    daas_ks *ks = NULL;
    bool created = false;
    int sig = 0;
    int rc = daas_ks_master_key(o->master_key, cfg.msk, &created, err);

    if (rc == DAAS_OK && created)
        DAAS_INFO(MOD, "created a new master key in %s (mode 0600): back it up", o->master_key);
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(cfg.msk, pk, err);
    if (rc == DAAS_OK)
        rc = daas_cmd_chain_open_key(o->object_id == NULL ? o->key : NULL, o->keystore,
                                     o->object_id == NULL ? "--key" : NULL, o->chain, NULL, false,
                                     &s, err);
    if (rc == DAAS_OK && o->seal_package != NULL) {
        rc = daas_sui_address_parse(o->seal_package, cfg.seal_pkg, err);
        cfg.has_seal_pkg = true;
    } else if (rc == DAAS_OK && s.chain.has_seal_package) {
        memcpy(cfg.seal_pkg, s.chain.seal_package, sizeof cfg.seal_pkg);
        cfg.has_seal_pkg = true;
    }
    uint8_t known[2][DAAS_SEAL_ADDR_LEN];
    cfg.known_pkgs = known;
    if (rc == DAAS_OK && s.chain.has_package)
        memcpy(known[cfg.n_known_pkgs++], s.chain.package, DAAS_SEAL_ADDR_LEN);
    if (rc == DAAS_OK && cfg.has_seal_pkg)
        memcpy(known[cfg.n_known_pkgs++], cfg.seal_pkg, DAAS_SEAL_ADDR_LEN);
    if (rc == DAAS_OK && !cfg.has_seal_pkg && o->object_id == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "no Seal package: pass --seal-package 0x...");
    if (rc == DAAS_OK)
        rc = key_server_object(o, &s, cfg.seal_pkg, pk, cfg.object_id, err);
    if (rc == DAAS_OK && !o->insecure)
        rc = tls_ctx(o, &tls, err);
    cfg.tls = tls;
    cfg.client = s.c;
    if (rc == DAAS_OK)
        rc = daas_ks_new(&cfg, &ks, err);
    daas_seal_wipe(cfg.msk, sizeof cfg.msk);
    if (rc == DAAS_OK)
        rc = daas_ks_start(ks, err);
    if (rc == DAAS_OK) {
        announce(o, ks, cfg.object_id);
        sigwait(set, &sig);
        DAAS_INFO(MOD, "signal %d: shutting down", sig);
    }
    daas_ks_free(&ks);
    if (tls != NULL)
        SSL_CTX_free(tls);
    daas_cmd_chain_close(&s);
    return rc;
}

int daas_cmd_keyserver(int argc, char **argv)
{
    ks_opts o = {.listen = "127.0.0.1:2024"};
    sigset_t set;
    daas_err err = {0};
    int prc = parse_args(argc, argv, &o);

    if (prc != 0)
        return daas_cmd_usage_exit(prc, NAME, usage_text);
    daas_cmd_block_stop_signals(&set);
    return daas_cmd_exit(NAME, run(&o, &set, &err), &err);
}
