/*
 * chain.c: resolving --chain (URL or chain file), writing chain files, and the faucet request.
 *
 * Owns:   the chain file format (chain.h) and the faucet's POST /v2/gas client.
 * Invariants: files are written whole (temp file + rename); TLS is always verified (the
 *         chain's CA or the system store); a faucet reply is parsed strictly.
 */
#include "sui/chain.h"
#include "sui/chain_int.h"
#include "sui/gql_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "sui/sui.h"

#define FAUCET_MAX_REPLY (1u << 20)
#define FAUCET_TIMEOUT_MS 30000

static bool is_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int copy_field(char *dst, size_t n, const char *what, const char *v, daas_err *err)
{
    if (strlen(v) >= n)
        return daas_fail(err, DAAS_EINVAL, "chain: %s is too long", what);
    memcpy(dst, v, strlen(v) + 1);
    return DAAS_OK;
}

/* The faucet of a public network, from its GraphQL URL. */
static void public_faucet(daas_sui_chain *c)
{
    static const char *const nets[] = {"testnet", "devnet"};
    for (size_t i = 0; i < 2; i++) {
        char host[64];
        snprintf(host, sizeof host, "://graphql.%s.sui.io", nets[i]);
        if (strstr(c->url, host) != NULL)
            snprintf(c->faucet, sizeof c->faucet, "https://faucet.%s.sui.io/v2/gas", nets[i]);
    }
}

static const char *opt_string(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int load_file(const char *path, daas_sui_chain *out, daas_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        if (je.line < 0 || strstr(je.text, "unable to open") != NULL)
            return daas_fail(err, DAAS_ENOTFOUND, "chain: cannot read %s", path);
        return daas_fail(err, DAAS_EINVAL, "chain: %s line %d: %s", path, je.line, je.text);
    }
    int rc = DAAS_OK;
    const char *url = opt_string(root, "url");
    const char *ca = opt_string(root, "ca");
    const char *faucet = opt_string(root, "faucet");
    const char *pkg = opt_string(root, "package");
    const char *seal = opt_string(root, "seal_package");
    if (!json_is_object(root) || url == NULL || !is_url(url))
        rc = daas_fail(err, DAAS_EINVAL, "chain: %s has no http(s) \"url\"", path);
    if (rc == DAAS_OK)
        rc = copy_field(out->url, sizeof out->url, "url", url, err);
    if (rc == DAAS_OK && ca)
        rc = copy_field(out->ca, sizeof out->ca, "ca", ca, err);
    if (rc == DAAS_OK && faucet)
        rc = copy_field(out->faucet, sizeof out->faucet, "faucet", faucet, err);
    if (rc == DAAS_OK && pkg) {
        rc = daas_sui_address_parse(pkg, out->package, err);
        out->has_package = rc == DAAS_OK;
    }
    if (rc == DAAS_OK && seal) {
        rc = daas_sui_address_parse(seal, out->seal_package, err);
        out->has_seal_package = rc == DAAS_OK;
    }
    out->dev = json_is_true(json_object_get(root, "dev"));
    json_decref(root);
    return rc;
}

int daas_sui_chain_resolve(const char *arg, const char *package, daas_sui_chain *out,
                           daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (arg == NULL || arg[0] == '\0')
        arg = getenv("DAAS_CHAIN");
    if (arg == NULL || arg[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "no chain: pass --chain URL|FILE or set DAAS_CHAIN");
    int rc;
    if (is_url(arg)) {
        rc = copy_field(out->url, sizeof out->url, "url", arg, err);
        if (rc == DAAS_OK)
            public_faucet(out);
    } else {
        rc = load_file(arg, out, err);
    }
    if (rc == DAAS_OK && package != NULL) {
        rc = daas_sui_address_parse(package, out->package, err);
        out->has_package = rc == DAAS_OK;
    }
    return rc;
}

int daas_sui_chain_write(const char *path, const daas_sui_chain *c, daas_err *err)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1], seal[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(c->package, pkg);
    daas_sui_address_hex(c->seal_package, seal);
    json_t *root = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:b}", "url", c->url, "ca",
                             c->ca[0] ? c->ca : NULL, "faucet", c->faucet[0] ? c->faucet : NULL,
                             "package", c->has_package ? pkg : NULL, "seal_package",
                             c->has_seal_package ? seal : NULL, "dev", c->dev);
    if (root == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "chain: cannot render %s", path);
    char *tmp = daas_xasprintf("%s.tmp", path);
    int rc = DAAS_OK;
    if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
        rc = daas_fail(err, DAAS_EIO, "chain: cannot write %s", path);
        remove(tmp);
    }
    daas_free(tmp);
    json_decref(root);
    return rc;
}

int daas_sui_chain_client(const daas_sui_chain *c, daas_sui_client **out, daas_err *err)
{
    daas_sui_client_opts o = {.url = c->url, .ca_file = c->ca[0] ? c->ca : NULL, .retries = -1};
    return daas_sui_client_new(&o, out, err);
}

int daas_sui__faucet_reply(long status, const char *body, size_t len, uint64_t *amount,
                           daas_err *err)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *coins = json_object_get(root, "coins_sent");
    int rc = DAAS_OK;
    if (status == 200 && json_is_array(coins) && json_array_size(coins) > 0) {
        size_t i;
        json_t *coin;
        *amount = 0;
        json_array_foreach(coins, i, coin) {
            json_t *a = json_object_get(coin, "amount");
            uint64_t v = json_is_integer(a) && json_integer_value(a) > 0
                             ? (uint64_t)json_integer_value(a)
                             : 0;
            *amount = *amount + v >= *amount ? *amount + v : UINT64_MAX;
        }
    } else {
        json_t *fail = json_object_get(json_object_get(root, "status"), "Failure");
        const char *why = json_string_value(json_object_get(fail, "internal"));
        rc = daas_fail(err, DAAS_EREMOTE, "faucet refused (HTTP %ld): %s", status,
                       why ? why : "unexpected reply");
    }
    json_decref(root);
    return rc;
}

int daas_sui_chain_faucet(const daas_sui_chain *c, const uint8_t recipient[DAAS_SUI_ADDRESS_LEN],
                          uint64_t *amount, daas_err *err)
{
    if (c->faucet[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "this chain has no faucet (%s)", c->url);
    char addr[DAAS_SUI_ADDRESS_HEX_LEN + 1], body[160];
    daas_sui_address_hex(recipient, addr);
    snprintf(body, sizeof body, "{\"FixedAmountRequest\":{\"recipient\":\"%s\"}}", addr);
    daas_sui_client_opts o = {.url = c->faucet, .ca_file = c->ca[0] ? c->ca : NULL,
                              .timeout_ms = FAUCET_TIMEOUT_MS, .retries = 0};
    daas_sui_client *fc = NULL;
    daas_buf reply;
    daas_buf_init(&reply, FAUCET_MAX_REPLY);
    long status = 0;
    int rc = daas_sui_client_new(&o, &fc, err);
    if (rc == DAAS_OK)
        rc = daas_sui__post_raw(fc, body, strlen(body), &reply, &status, err);
    if (rc == DAAS_OK)
        rc = daas_sui__faucet_reply(status, reply.data ? reply.data : "", reply.len, amount, err);
    daas_sui_client_free(&fc);
    daas_buf_fini(&reply);
    return rc;
}
