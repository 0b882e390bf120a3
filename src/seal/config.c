/*
 * config.c: reading and writing a cluster's Seal configuration file (format in config.h).
 *
 * Owns:   the JSON form of daas_seal_config.
 * Invariants: a load fills *out only when every field validated; a write replaces the file
 *         atomically (temporary name, rename).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/util.h"
#include "seal/config.h"
#include "sui/sui.h"

static int bad(daas_err *err, const char *path, const char *field, const char *what)
{
    return daas_fail(err, DAAS_EINVAL, "%s: %s: %s", path, field, what);
}

static int get_addr(const char *path, json_t *o, const char *field, uint8_t out[32],
                    daas_err *err)
{
    const char *s = json_string_value(json_object_get(o, field));
    if (!s || daas_sui_address_parse(s, out, NULL) != DAAS_OK)
        return bad(err, path, field, "want a 0x… object id");
    return DAAS_OK;
}

static int get_server(const char *path, json_t *v, size_t i, daas_seal_config *c, daas_err *err)
{
    char field[64];
    snprintf(field, sizeof field, "key_servers[%zu]", i);
    const char *pk = json_string_value(json_object_get(v, "pk"));
    const char *url = json_string_value(json_object_get(v, "url"));
    daas_seal_ks *ks = &c->ks[i];
    int rc = get_addr(path, v, "object_id", ks->object_id, err);
    if (rc != DAAS_OK)
        return rc;
    if (pk && strncmp(pk, "0x", 2) == 0)
        pk += 2;
    if (!pk || strlen(pk) != 2 * DAAS_SEAL_G2_LEN ||
        !daas_hex_decode(pk, DAAS_SEAL_G2_LEN, ks->pk) ||
        daas_seal_pk_check(ks->pk, NULL) != DAAS_OK)
        return bad(err, path, field, "pk: want the 96-byte compressed G2 public key in hex");
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
        strlen(url) >= sizeof ks->url)
        return bad(err, path, field, "url: want http(s)://…");
    snprintf(ks->url, sizeof ks->url, "%s", url);
    for (size_t j = 0; j < i; j++)
        if (memcmp(c->ks[j].object_id, ks->object_id, DAAS_SEAL_ADDR_LEN) == 0)
            return bad(err, path, field, "object_id listed twice");
    memcpy(c->cluster.servers[i].object_id, ks->object_id, DAAS_SEAL_ADDR_LEN);
    memcpy(c->cluster.servers[i].pk, ks->pk, DAAS_SEAL_G2_LEN);
    return DAAS_OK;
}

static int from_json(const char *path, json_t *root, daas_seal_config *c, daas_err *err)
{
    int rc = get_addr(path, root, "package", c->cluster.package_id, err);
    if (rc == DAAS_OK)
        rc = get_addr(path, root, "policy", c->cluster.policy_id, err);
    if (rc != DAAS_OK)
        return rc;
    json_t *list = json_object_get(root, "key_servers");
    size_t n = json_array_size(list);
    if (n == 0 || n > DAAS_SEAL_KUBE_MAX_SERVERS)
        return bad(err, path, "key_servers", "want 1..16 key servers");
    json_t *t = json_object_get(root, "threshold");
    if (!json_is_integer(t) || json_integer_value(t) < 1 || (size_t)json_integer_value(t) > n)
        return bad(err, path, "threshold", "want 1..the number of key servers");
    c->cluster.threshold = (uint8_t)json_integer_value(t);
    c->cluster.nservers = n;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++)
        rc = get_server(path, json_array_get(list, i), i, c, err);
    if (rc == DAAS_OK && json_object_get(root, "control_plane_policy")) {
        rc = get_addr(path, root, "control_plane_policy", c->cp_policy, err);
        c->has_cp_policy = rc == DAAS_OK;
    }
    const char *ca = json_string_value(json_object_get(root, "ca"));
    if (rc == DAAS_OK && ca && strlen(ca) >= sizeof c->ca)
        rc = bad(err, path, "ca", "path too long");
    if (rc == DAAS_OK && ca)
        snprintf(c->ca, sizeof c->ca, "%s", ca);
    return rc;
}

int daas_seal_config_load(const char *path, daas_seal_config *out, daas_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        FILE *f = fopen(path, "r");
        if (!f)
            return daas_fail(err, DAAS_ENOTFOUND, "%s: no such file", path);
        fclose(f);
        return daas_fail(err, DAAS_EINVAL, "%s: line %d: %s", path, je.line, je.text);
    }
    daas_seal_config *c = daas_xcalloc(1, sizeof *c);
    int rc = json_is_object(root) ? from_json(path, root, c, err)
                                  : bad(err, path, "(top)", "want an object");
    if (rc == DAAS_OK)
        *out = *c;
    daas_free(c);
    json_decref(root);
    return rc;
}

int daas_seal_config_write(const char *path, const daas_seal_config *c, daas_err *err)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1], pol[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(c->cluster.package_id, pkg);
    daas_sui_address_hex(c->cluster.policy_id, pol);
    json_t *list = json_array();
    for (size_t i = 0; i < c->cluster.nservers; i++) {
        char oid[DAAS_SUI_ADDRESS_HEX_LEN + 1], pk[2 * DAAS_SEAL_G2_LEN + 1];
        daas_sui_address_hex(c->ks[i].object_id, oid);
        daas_hex_encode(c->ks[i].pk, DAAS_SEAL_G2_LEN, pk);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "object_id", oid, "pk", pk,
                                              "url", c->ks[i].url));
    }
    json_t *root = json_pack("{s:s, s:s, s:i, s:o, s:s?}", "package", pkg, "policy", pol,
                             "threshold", (int)c->cluster.threshold, "key_servers", list, "ca",
                             c->ca[0] ? c->ca : NULL);
    if (root && c->has_cp_policy) {
        char cp[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_address_hex(c->cp_policy, cp);
        json_object_set_new(root, "control_plane_policy", json_string(cp));
    }
    if (!root)
        return daas_fail(err, DAAS_EINTERNAL, "seal: cannot render %s", path);
    char *tmp = daas_xasprintf("%s.tmp", path);
    int rc = DAAS_OK;
    if (json_dump_file(root, tmp, JSON_INDENT(2)) != 0 || rename(tmp, path) != 0) {
        rc = daas_fail(err, DAAS_EIO, "seal: cannot write %s", path);
        remove(tmp);
    }
    daas_free(tmp);
    json_decref(root);
    return rc;
}

void daas_seal_config_client_opts(const daas_seal_config *c, daas_seal_client_opts *out)
{
    *out = (daas_seal_client_opts){.servers = c->ks, .nservers = c->cluster.nservers,
                                   .ca_file = c->ca[0] ? c->ca : NULL};
}
