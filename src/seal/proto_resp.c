/*
 * proto_resp.c: the fetch_key response {"decryption_keys": [{"id": [..], "encrypted_key":
 * [c1, c2]}]} in both directions.
 *
 * Owns:   the daas_seal_fetch_resp it fills.
 * Invariants: ids are JSON arrays of integers 0..255 (serde's Vec<u8>), 32 + 0..MAX_ID bytes;
 *         c1 and c2 are canonical base64 of 48 bytes; at most DAAS_SEAL_MAX_COMMANDS keys.
 * Spec:   specs/seal.md §6.9.
 */
#include <string.h>

#include "common/util.h"
#include "seal/proto.h"
#include "seal/proto_int.h"

int daas_seal_fetch_resp_render(const daas_seal_key_reply *keys, size_t n, daas_buf *out,
                                daas_err *err)
{
    json_t *root = json_object();
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *k = json_object();
        json_t *id = json_array();
        json_t *enc = json_array();
        char *c1 = daas_base64_encode(keys[i].c1, DAAS_SEAL_G1_LEN);
        char *c2 = daas_base64_encode(keys[i].c2, DAAS_SEAL_G1_LEN);

        for (size_t j = 0; j < keys[i].id_len; j++)
            json_array_append_new(id, json_integer(keys[i].id[j]));
        json_array_append_new(enc, json_string(c1));
        json_array_append_new(enc, json_string(c2));
        daas_free(c1);
        daas_free(c2);
        json_object_set_new(k, "id", id);
        json_object_set_new(k, "encrypted_key", enc);
        json_array_append_new(arr, k);
    }
    json_object_set_new(root, "decryption_keys", arr);
    return daas_seal__dump(root, out, err);
}

static int parse_id(json_t *arr, size_t i, daas_seal_key_reply *k, daas_err *err)
{
    size_t n = json_array_size(arr);

    if (n < DAAS_SEAL_ADDR_LEN || n > DAAS_SEAL_ADDR_LEN + DAAS_SEAL_MAX_ID)
        return daas_fail(err, DAAS_EINVAL, "decryption_keys[%zu].id: %zu bytes, want %d..%d", i, n,
                         DAAS_SEAL_ADDR_LEN, DAAS_SEAL_ADDR_LEN + DAAS_SEAL_MAX_ID);
    k->id = daas_xmalloc(n);
    k->id_len = n;
    for (size_t j = 0; j < n; j++) {
        json_t *b = json_array_get(arr, j);
        if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255)
            return daas_fail(err, DAAS_EINVAL, "decryption_keys[%zu].id[%zu]: not a byte", i, j);
        k->id[j] = (uint8_t)json_integer_value(b);
    }
    return DAAS_OK;
}

static int parse_key(json_t *o, size_t i, daas_seal_key_reply *k, daas_err *err)
{
    char what[64];
    json_t *id, *enc, *c;
    int rc;

    if (!json_is_object(o))
        return daas_fail(err, DAAS_EINVAL, "decryption_keys[%zu]: not an object", i);
    snprintf(what, sizeof what, "decryption_keys[%zu].", i);
    rc = daas_seal__field(o, what, "id", JSON_ARRAY, false, &id, err);
    if (rc == DAAS_OK)
        rc = parse_id(id, i, k, err);
    if (rc == DAAS_OK)
        rc = daas_seal__field(o, what, "encrypted_key", JSON_ARRAY, false, &enc, err);
    if (rc != DAAS_OK)
        return rc;
    if (json_array_size(enc) != 2)
        return daas_fail(err, DAAS_EINVAL, "decryption_keys[%zu].encrypted_key: want 2 items", i);
    for (size_t j = 0; j < 2 && rc == DAAS_OK; j++) {
        c = json_array_get(enc, j);
        snprintf(what, sizeof what, "decryption_keys[%zu].encrypted_key[%zu]", i, j);
        if (!json_is_string(c))
            return daas_fail(err, DAAS_EINVAL, "%s: not a string", what);
        rc = daas_seal_b64_exact(json_string_value(c), what, j == 0 ? k->c1 : k->c2,
                                 DAAS_SEAL_G1_LEN, err);
    }
    return rc;
}

int daas_seal_fetch_resp_parse(daas_bytes json, daas_seal_fetch_resp *out, daas_err *err)
{
    json_t *root, *arr;
    int rc;

    memset(out, 0, sizeof *out);
    /* 100 keys of ~1 KiB ids as number arrays stay well under 4 MiB */
    root = daas_seal__load(json, (size_t)4 << 20, "fetch_key reply", &rc, err);
    if (root == NULL)
        return rc;
    rc = daas_seal__field(root, "", "decryption_keys", JSON_ARRAY, false, &arr, err);
    if (rc == DAAS_OK && json_array_size(arr) > DAAS_SEAL_MAX_COMMANDS)
        rc = daas_fail(err, DAAS_EINVAL, "decryption_keys: more than %u keys",
                       DAAS_SEAL_MAX_COMMANDS);
    if (rc == DAAS_OK && json_array_size(arr) > 0) {
        out->keys = daas_xcalloc(json_array_size(arr), sizeof *out->keys);
        out->nkeys = json_array_size(arr);
        for (size_t i = 0; i < out->nkeys && rc == DAAS_OK; i++)
            rc = parse_key(json_array_get(arr, i), i, &out->keys[i], err);
    }
    json_decref(root);
    if (rc != DAAS_OK)
        daas_seal_fetch_resp_fini(out);
    return rc;
}

void daas_seal_fetch_resp_fini(daas_seal_fetch_resp *r)
{
    for (size_t i = 0; i < r->nkeys; i++)
        daas_free(r->keys[i].id);
    daas_free(r->keys);
    memset(r, 0, sizeof *r);
}
