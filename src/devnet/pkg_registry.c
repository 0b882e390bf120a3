/*
 * pkg_registry.c: the `daas::registry` module natively (node names, owners, endpoints,
 * status) (`enclave` and `scheduling`: pkg_enclave.c; `secret_policy`: pkg_policy.c).
 *
 * Owns:   the BCS layouts of Registry and its table entries, their JSON, the modules' tables.
 * Layout: Registry = UID(32) || nodes Table{UID(32), size u64} (72 bytes).
 *         NodeInfo = owner address || endpoint String || status u8 || registered_epoch u64,
 *         stored as Field<0x1::string::String, NodeInfo> = UID || name String || NodeInfo,
 *         owned by the table's id, id derived from (table id, String, BCS(name)).
 * Invariants: checks in the README's order, its abort codes; node names are Kubernetes node
 *         names (1..63 bytes of a-z 0-9 - ., alphanumeric at both ends).
 * Spec:   move/README.md "registry".
 */
#include "devnet/devnet_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

enum { ENotNode = 1, EBadName = 2, ENameTaken = 3, ENotOwner = 4, EBadStatus = 5, ENoNode = 6 };

#define REGISTRY_LEN (32 + 32 + 8)
#define NAME_MAX_LEN 63
#define ENDPOINT_MAX 255
#define ROLE_NODE 3
#define KEY_TYPE "0x1::string::String"

typedef struct node {
    daas_bytes name; /* points into the field's bytes */
    uint8_t owner[32];
    daas_bytes endpoint; /* points into the field's bytes */
    uint8_t status;
    uint64_t registered_epoch;
} node;

static bool node_read(const uint8_t *b, size_t len, node *n)
{
    daas_sui_bcs_reader r;
    const uint8_t *p;
    if (len < 32)
        return false;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b + 32, len - 32));
    return daas_sui_bcs_get_str(&r, "name", NAME_MAX_LEN, &n->name, NULL) == DAAS_OK &&
           daas_sui_bcs_get_fixed(&r, "owner", 32, &p, NULL) == DAAS_OK &&
           (memcpy(n->owner, p, 32), true) &&
           daas_sui_bcs_get_str(&r, "endpoint", ENDPOINT_MAX, &n->endpoint, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u8(&r, "status", &n->status, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "epoch", &n->registered_epoch, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "node", NULL) == DAAS_OK;
}

/* Writes fields into a fresh buffer (BCS writes to an uncapped buffer cannot fail). */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

static void put_str(daas_buf *b, daas_bytes s)
{
    PUT(daas_sui_bcs_put_bytes(b, s.ptr, s.len));
}

static void node_encode(const uint8_t id[32], const node *n, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, id));
    put_str(b, n->name);
    PUT(daas_sui_bcs_put_addr(b, n->owner));
    put_str(b, n->endpoint);
    PUT(daas_sui_bcs_put_u8(b, n->status));
    PUT(daas_sui_bcs_put_u64(b, n->registered_epoch));
}

static json_t *json_bytes_str(daas_bytes s)
{
    return json_stringn((const char *)s.ptr, s.len);
}

json_t *daas_devnet__render_registry(const uint8_t *bcs, size_t len)
{
    if (len != REGISTRY_LEN)
        return NULL;
    return json_pack("{s:o,s:{s:o,s:o}}", "id", daas_devnet__json_addr(bcs), "nodes", "id",
                     daas_devnet__json_addr(bcs + 32), "size",
                     daas_devnet__json_u64(daas_devnet__le64(bcs + 64)));
}

json_t *daas_devnet__render_node_field(const uint8_t *bcs, size_t len)
{
    node n;
    if (!node_read(bcs, len, &n))
        return NULL;
    return json_pack("{s:o,s:o,s:{s:o,s:o,s:i,s:o}}", "id", daas_devnet__json_addr(bcs), "name",
                     json_bytes_str(n.name), "value", "owner", daas_devnet__json_addr(n.owner),
                     "endpoint", json_bytes_str(n.endpoint), "status", (int)n.status,
                     "registered_epoch", daas_devnet__json_u64(n.registered_epoch));
}

/* ---- the nodes table ---- */

static int registry_table(dn_exec *ex, int idx, uint8_t table[32], daas_err *err)
{
    const dn_obj *o = &ex->objs[idx];
    if (o->bcs_len != REGISTRY_LEN)
        return daas_fail(err, DAAS_EIO, "devnet: corrupt Registry");
    memcpy(table, o->bcs + 32, 32);
    return DAAS_OK;
}

static void registry_grow(dn_exec *ex, int idx)
{
    uint8_t b[REGISTRY_LEN];
    memcpy(b, ex->objs[idx].bcs, REGISTRY_LEN);
    daas_devnet__put_le64(b + 64, daas_devnet__le64(b + 64) + 1);
    daas_devnet__obj_set(ex, idx, b, sizeof(b));
}

static int name_id(const uint8_t table[32], daas_bytes name, uint8_t fid[32], daas_err *err)
{
    daas_buf key;
    daas_buf_init(&key, 0);
    put_str(&key, name);
    int rc = daas_devnet__field_id(table, KEY_TYPE, DAAS_BYTES(key.data, key.len), fid, err);
    daas_buf_fini(&key);
    return rc;
}

/* The entry of name (index, or -1) and its decoded contents. */
static int node_find(dn_exec *ex, const uint8_t table[32], daas_bytes name, int *idx, node *n,
                     daas_err *err)
{
    uint8_t fid[32];
    int rc = name_id(table, name, fid, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__obj_find(ex, fid, idx, err);
    if (rc != DAAS_OK || *idx < 0)
        return rc;
    const dn_obj *o = &ex->objs[*idx];
    if (o->kind != DN_K_NODE_FIELD || !node_read(o->bcs, o->bcs_len, n))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt node entry");
    return DAAS_OK;
}

static int node_save(dn_exec *ex, const uint8_t table[32], const node *n, int idx, daas_err *err)
{
    uint8_t fid[32];
    daas_buf b;
    int rc = idx >= 0 ? DAAS_OK : name_id(table, n->name, fid, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&b, 0);
    node_encode(idx >= 0 ? ex->objs[idx].id : fid, n, &b);
    if (idx >= 0)
        daas_devnet__obj_set(ex, idx, (const uint8_t *)b.data, b.len);
    else
        daas_devnet__obj_new(ex, DN_K_NODE_FIELD, fid, (const uint8_t *)b.data, b.len,
                             DAAS_SUI_OWNER_OBJECT, table);
    daas_buf_fini(&b);
    return DAAS_OK;
}

/* A Kubernetes node name: 1..63 bytes of a-z 0-9 - ., alphanumeric at both ends. */
static bool name_ok(daas_bytes s)
{
    if (s.len == 0 || s.len > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.ptr[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && ((c != '-' && c != '.') || i == 0 || i == s.len - 1))
            return false;
    }
    return true;
}

/* ---- entry functions ---- */

static void emit(dn_exec *ex, const char *name, daas_buf *b, json_t *j)
{
    daas_devnet__emit(ex, "registry", name, b, j);
    daas_buf_fini(b);
}

static int fn_register_node(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint8_t table[32], role;
    node n;
    int idx = -1;
    (void)ret;
    int rc = daas_devnet__role_of(ex, a[1].obj, ex->tx->sender, &role, err);
    if (rc == DAAS_OK)
        rc = registry_table(ex, a[0].obj, table, err);
    if (rc != DAAS_OK)
        return rc;
    if (role < ROLE_NODE)
        return daas_devnet__abort(ex, "registry", "register_node", 0, ENotNode);
    if (!name_ok(a[2].bytes) || a[3].bytes.len > ENDPOINT_MAX)
        return daas_devnet__abort(ex, "registry", "register_node", 0, EBadName);
    rc = node_find(ex, table, a[2].bytes, &idx, &n, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx >= 0 && memcmp(n.owner, ex->tx->sender, 32) != 0)
        return daas_devnet__abort(ex, "registry", "register_node", 0, ENameTaken);
    node nn = {
        .name = a[2].bytes, .endpoint = a[3].bytes, .status = 1, .registered_epoch = ex->epoch};
    memcpy(nn.owner, ex->tx->sender, 32);
    rc = node_save(ex, table, &nn, idx, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx < 0)
        registry_grow(ex, a[0].obj);
    daas_buf b;
    daas_buf_init(&b, 0);
    put_str(&b, nn.name);
    PUT(daas_sui_bcs_put_addr(&b, nn.owner));
    put_str(&b, nn.endpoint);
    emit(ex, "NodeRegistered", &b,
         json_pack("{s:o,s:o,s:o}", "name", json_bytes_str(nn.name), "owner",
                   daas_devnet__json_addr(nn.owner), "endpoint", json_bytes_str(nn.endpoint)));
    return DAAS_OK;
}

static int fn_set_status(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint8_t table[32];
    node n;
    int idx = -1;
    uint8_t status = (uint8_t)a[2].u;
    (void)ret;
    int rc = registry_table(ex, a[0].obj, table, err);
    if (rc == DAAS_OK)
        rc = node_find(ex, table, a[1].bytes, &idx, &n, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx < 0)
        return daas_devnet__abort(ex, "registry", "set_status", 1, ENoNode);
    if (memcmp(n.owner, ex->tx->sender, 32) != 0)
        return daas_devnet__abort(ex, "registry", "set_status", 1, ENotOwner);
    if (status < 1 || status > 3)
        return daas_devnet__abort(ex, "registry", "set_status", 1, EBadStatus);
    /* n points into the entry's bytes: encode before obj_set replaces them */
    daas_buf b;
    daas_buf_init(&b, 0);
    n.status = status;
    node_encode(ex->objs[idx].id, &n, &b);
    daas_devnet__obj_set(ex, idx, (const uint8_t *)b.data, b.len);
    daas_buf_reset(&b);
    put_str(&b, a[1].bytes);
    PUT(daas_sui_bcs_put_u8(&b, status));
    emit(ex, "NodeStatusChanged", &b,
         json_pack("{s:o,s:i}", "name", json_bytes_str(a[1].bytes), "status", (int)status));
    return DAAS_OK;
}

const dn_fn daas_devnet__registry_fns[] = {
    {"registry",
     "register_node",
     0,
     4,
     {{DN_P_MUT, DN_K_REGISTRY}, {DN_P_REF, DN_K_POOL}, {DN_P_STRING, 0}, {DN_P_STRING, 0}},
     fn_register_node},
    {"registry",
     "set_status",
     1,
     3,
     {{DN_P_MUT, DN_K_REGISTRY}, {DN_P_STRING, 0}, {DN_P_U8, 0}},
     fn_set_status},
};
const size_t daas_devnet__registry_n = sizeof(daas_devnet__registry_fns) / sizeof(dn_fn);

/* init: the shared Registry with an empty nodes table. */
int daas_devnet__registry_genesis(dn_exec *ex, daas_err *err)
{
    uint8_t b[REGISTRY_LEN] = {0};
    (void)err;
    daas_devnet__derive_id(ex->digest, ex->n_new_ids++, b + 32);
    int k =
        daas_devnet__obj_new(ex, DN_K_REGISTRY, NULL, b, sizeof(b), DAAS_SUI_OWNER_SHARED, NULL);
    memcpy(ex->d->registry, ex->objs[k].id, 32);
    return DAAS_OK;
}
