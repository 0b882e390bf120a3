/*
 * pkg_seal.c: a native twin of Mysten's Seal package on the development chain: the
 * key_server module (Independent key servers, V2 only) and time::check_staleness, "published"
 * at genesis at the fixed address DN_SEAL_PKG_TEXT (0x5ea1), as the framework is at 0x2.
 *
 * Owns:   the BCS layouts below, their JSON, the twin's dispatch table.
 * Layout: KeyServer = UID || first_version u64 || last_version u64 (48 bytes; always 2, 2),
 *         owned by its creator.
 *         Field<u64, KeyServerV2> = UID || name u64 (2) || KeyServerV2 { name String, key_type
 *         u8, pk vector<u8>, server_type ServerType }, ServerType = variant 0 Independent { url
 *         String } (the only one created here), owned by the KeyServer's id, id derived from
 *         (KeyServer id, u64, BCS(2)).
 * Invariants:
 *   - create checks key_type == 0 (else key_server EInvalidKeyType = 1) and that pk is a
 *     96-byte compressed G2 point in the subgroup, not the identity (else, as Sui's
 *     bls12381::g2_from_bytes, 0x2::group_ops EInvalidInput = 1);
 *   - update needs &mut KeyServer: the object is owned, so only its owner can pass it (other
 *     senders are refused before execution, as on Sui);
 *   - check_staleness(now, allowed, clock) passes when now < clock or now - clock <= allowed,
 *     else aborts time EStaleFullnode = 93492;
 *   - JSON as Sui GraphQL renders it: vector<u8> Base64, u64 decimal strings, an enum as an
 *     object with "@variant" and the variant's fields.
 * Spec:   specs/seal.md §7.1 (KeyServer, KeyServerV2), §7.3 (staleness), §6.8.
 */
#include "devnet/devnet_int.h"

#include <blst.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"

enum { EInvalidKeyType = 1, EInvalidServerType = 3 };
enum { EInvalidInput = 1 };     /* 0x2::group_ops */
enum { EStaleFullnode = 93492 }; /* seal::time */

#define KS_LEN (32 + 8 + 8)
#define KS_VERSION 2
#define PK_LEN 96
#define STR_MAX DN_OBJ_BCS_MAX
#define VARIANT_INDEPENDENT 0

/* BCS writes to an uncapped buffer cannot fail. */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

static const uint8_t FRAMEWORK[DAAS_SUI_ADDRESS_LEN] = {[31] = 2};

void daas_devnet__seal_pkg(uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    memset(out, 0, DAAS_SUI_ADDRESS_LEN);
    out[DAAS_SUI_ADDRESS_LEN - 2] = DN_SEAL_PKG_LAST0;
    out[DAAS_SUI_ADDRESS_LEN - 1] = DN_SEAL_PKG_LAST1;
}

bool daas_devnet__is_seal_pkg(const uint8_t p[DAAS_SUI_ADDRESS_LEN])
{
    uint8_t seal[DAAS_SUI_ADDRESS_LEN];
    daas_devnet__seal_pkg(seal);
    return memcmp(p, seal, DAAS_SUI_ADDRESS_LEN) == 0;
}

void daas_devnet_seal_package(const daas_devnet *d, uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    (void)d;
    daas_devnet__seal_pkg(out);
}

typedef struct ksv2 {
    uint8_t id[32]; /* the field's id */
    daas_bytes name, pk, url;
    uint8_t key_type;
    uint32_t server_type;
} ksv2;

static bool ksv2_read(const uint8_t *b, size_t len, ksv2 *v)
{
    daas_sui_bcs_reader r;
    uint64_t key;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    return daas_sui_bcs_get_addr(&r, "id", v->id, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "key", &key, NULL) == DAAS_OK && key == KS_VERSION &&
           daas_sui_bcs_get_str(&r, "name", STR_MAX, &v->name, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u8(&r, "key_type", &v->key_type, NULL) == DAAS_OK &&
           daas_sui_bcs_get_bytes(&r, "pk", STR_MAX, &v->pk, NULL) == DAAS_OK &&
           daas_sui_bcs_get_variant(&r, "server_type", 1, &v->server_type, NULL) == DAAS_OK &&
           daas_sui_bcs_get_str(&r, "url", STR_MAX, &v->url, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "KeyServerV2", NULL) == DAAS_OK;
}

static void ksv2_encode(const ksv2 *v, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, v->id));
    PUT(daas_sui_bcs_put_u64(b, KS_VERSION));
    PUT(daas_sui_bcs_put_bytes(b, v->name.ptr, v->name.len));
    PUT(daas_sui_bcs_put_u8(b, v->key_type));
    PUT(daas_sui_bcs_put_bytes(b, v->pk.ptr, v->pk.len));
    PUT(daas_sui_bcs_put_variant(b, VARIANT_INDEPENDENT));
    PUT(daas_sui_bcs_put_bytes(b, v->url.ptr, v->url.len));
}

/* ---- JSON ---- */

json_t *daas_devnet__render_key_server(const uint8_t *bcs, size_t len)
{
    if (len != KS_LEN)
        return NULL;
    return json_pack("{s:o,s:o,s:o}", "id", daas_devnet__json_addr(bcs), "first_version",
                     daas_devnet__json_u64(daas_devnet__le64(bcs + 32)), "last_version",
                     daas_devnet__json_u64(daas_devnet__le64(bcs + 40)));
}

json_t *daas_devnet__render_ksv2_field(const uint8_t *bcs, size_t len)
{
    ksv2 v;
    if (!ksv2_read(bcs, len, &v))
        return NULL;
    return json_pack("{s:o,s:o,s:{s:s%,s:i,s:o,s:{s:s,s:s%}}}", "id", daas_devnet__json_addr(v.id),
                     "name", daas_devnet__json_u64(KS_VERSION), "value", "name",
                     (const char *)v.name.ptr, v.name.len, "key_type", (int)v.key_type, "pk",
                     daas_devnet__json_b64(v.pk), "server_type", "@variant", "Independent", "url",
                     (const char *)v.url.ptr, v.url.len);
}

/* ---- key_server ---- */

/* An abort in a module of the Seal twin. */
static int seal_abort(dn_exec *ex, const char *module, const char *fn, unsigned index,
                      uint64_t code)
{
    uint8_t seal[DAAS_SUI_ADDRESS_LEN];
    daas_devnet__seal_pkg(seal);
    return daas_devnet__abort_at(ex, seal, module, fn, index, code);
}

/* SPEC: specs/seal.md §7.1: pk is validated by g2_from_bytes (a compressed G2 point in the
 * subgroup; the identity is refused too, as Seal's key servers never have it). */
static bool pk_ok(daas_bytes pk)
{
    blst_p2_affine pt;
    if (pk.len != PK_LEN || blst_p2_uncompress(&pt, pk.ptr) != BLST_SUCCESS)
        return false;
    return blst_p2_affine_in_g2(&pt) && !blst_p2_affine_is_inf(&pt);
}

static int field_id(const uint8_t parent[32], uint8_t out[32], daas_err *err)
{
    uint8_t key[8];
    daas_devnet__put_le64(key, KS_VERSION);
    return daas_devnet__field_id(parent, "u64", DAAS_BYTES(key, sizeof(key)), out, err);
}

/* create_and_transfer_v2_independent_server(name, url, key_type, pk) */
static int fn_create(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint8_t ks[KS_LEN] = {0};
    ksv2 v = {.name = a[0].bytes, .url = a[1].bytes, .key_type = (uint8_t)a[2].u, .pk = a[3].bytes};
    daas_buf b;
    (void)ret;
    if (v.key_type != 0)
        return seal_abort(ex, "key_server", "create_and_transfer_v2_independent_server", 0,
                          EInvalidKeyType);
    if (!pk_ok(v.pk))
        return daas_devnet__abort_at(ex, FRAMEWORK, "group_ops", "from_bytes", 0, EInvalidInput);
    daas_devnet__put_le64(ks + 32, KS_VERSION);
    daas_devnet__put_le64(ks + 40, KS_VERSION);
    int k = daas_devnet__obj_new(ex, DN_K_KEY_SERVER, NULL, ks, sizeof(ks), DAAS_SUI_OWNER_ADDRESS,
                                 ex->tx->sender);
    uint8_t parent[32];
    memcpy(parent, ex->objs[k].id, 32);
    int rc = field_id(parent, v.id, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&b, 0);
    ksv2_encode(&v, &b);
    daas_devnet__obj_new(ex, DN_K_KS_V2_FIELD, v.id, (const uint8_t *)b.data, b.len,
                         DAAS_SUI_OWNER_OBJECT, parent);
    daas_buf_fini(&b);
    return DAAS_OK;
}

/* update(s: &mut KeyServer, url) */
static int fn_update(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint8_t fid[32];
    ksv2 v;
    int idx = -1;
    daas_buf b;
    (void)ret;
    int rc = field_id(ex->objs[a[0].obj].id, fid, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__obj_find(ex, fid, &idx, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx < 0 || ex->objs[idx].kind != DN_K_KS_V2_FIELD ||
        !ksv2_read(ex->objs[idx].bcs, ex->objs[idx].bcs_len, &v))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt KeyServer");
    if (v.server_type != VARIANT_INDEPENDENT)
        return seal_abort(ex, "key_server", "update", 1, EInvalidServerType);
    v.url = a[1].bytes;
    daas_buf_init(&b, 0);
    ksv2_encode(&v, &b); /* before obj_set: v's slices point into the field's bytes */
    daas_devnet__obj_set(ex, idx, (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    return DAAS_OK;
}

/* ---- time ---- */

/* check_staleness(now, allowed_staleness_ms, &Clock) */
static int fn_check_staleness(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint64_t now = a[0].u, allowed = a[1].u;
    uint64_t clock = ex->ts_ms < 0 ? 0 : (uint64_t)ex->ts_ms;
    (void)ret, (void)err;
    if (now < clock || now - clock <= allowed)
        return DAAS_OK;
    return seal_abort(ex, "time", "check_staleness", 0, EStaleFullnode);
}

const dn_fn daas_devnet__seal_fns[] = {
    {"key_server",
     "create_and_transfer_v2_independent_server",
     0,
     4,
     {{DN_P_STRING, 0}, {DN_P_STRING, 0}, {DN_P_U8, 0}, DN_PARAM_BYTES},
     fn_create},
    {"key_server", "update", 1, 2, {{DN_P_MUT, DN_K_KEY_SERVER}, {DN_P_STRING, 0}}, fn_update},
    {"time",
     "check_staleness",
     0,
     3,
     {DN_PARAM_U64, DN_PARAM_U64, {DN_P_REF, DN_K_CLOCK}},
     fn_check_staleness},
};
const size_t daas_devnet__seal_n = sizeof(daas_devnet__seal_fns) / sizeof(dn_fn);
