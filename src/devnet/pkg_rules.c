/*
 * pkg_rules.c: the `daas::cluster_rules` module natively: the shared ClusterRules object
 * (allowed image registries and digests, the least stake tier for nitro enclaves, hostPath
 * and hostNetwork) and set_rules, gated by staking's AdminCap.
 *
 * Owns:   the BCS layout of ClusterRules, its JSON, the RulesUpdated event, the module's
 *         function table and its genesis object.
 * Not:    what the rules mean for a pod (the enclave's evaluator, src/sched/); the client
 *         (sui/pkg_rules.c).
 * Layout: ClusterRules = UID(32) || version u64 || allowed_registries vector<String> ||
 *         allowed_digests vector<String> || nitro_min_tier u8 || host_path_min_tier u8 ||
 *         host_network_min_tier u8. RulesUpdated = the same without the UID.
 * Invariants: checks in the README's order (list lengths, each registry, each digest, the
 *         tiers) with its abort codes; version is 1 at genesis and +1 per set_rules.
 * Spec:   move/README.md "cluster_rules".
 */
#include "devnet/devnet_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

enum { EBadRegistry = 1, EBadDigest = 2, ETooMany = 3, EBadTier = 4 };

#define MAX_ENTRIES 64
#define REGISTRY_MAX 255
#define DIGEST_PREFIX "sha256:"
#define DIGEST_LEN 71 /* "sha256:" + 64 hex */
#define TIER_NOBODY 255
#define MOD "cluster_rules"

/* The decoded rules; the lists point into the object's bytes (raw BCS, count first). */
typedef struct rules {
    uint64_t version;
    daas_bytes registries, digests; /* each a whole vector<String> BCS */
    uint8_t tiers[3];               /* nitro, host_path, host_network */
} rules;

/* Skips one vector<String> (at most max bytes per string) and returns its raw range. */
static bool vec_skip(daas_sui_bcs_reader *r, daas_bytes *out)
{
    size_t n, start = r->pos;
    daas_bytes s;
    if (daas_sui_bcs_get_len(r, "list", MAX_ENTRIES, 1, &n, NULL) != DAAS_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (daas_sui_bcs_get_str(r, "entry", REGISTRY_MAX, &s, NULL) != DAAS_OK)
            return false;
    *out = DAAS_BYTES(r->p + start, r->pos - start);
    return true;
}

/* The fields after the UID (the event's layout). */
static bool rules_read(const uint8_t *b, size_t len, rules *out)
{
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    return daas_sui_bcs_get_u64(&r, "version", &out->version, NULL) == DAAS_OK &&
           vec_skip(&r, &out->registries) && vec_skip(&r, &out->digests) &&
           daas_sui_bcs_get_u8(&r, "tier", &out->tiers[0], NULL) == DAAS_OK &&
           daas_sui_bcs_get_u8(&r, "tier", &out->tiers[1], NULL) == DAAS_OK &&
           daas_sui_bcs_get_u8(&r, "tier", &out->tiers[2], NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "rules", NULL) == DAAS_OK;
}

/* Writes into a fresh uncapped buffer (cannot fail). */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

static void rules_encode(const rules *ru, daas_buf *b)
{
    PUT(daas_sui_bcs_put_u64(b, ru->version));
    PUT(daas_buf_append(b, ru->registries.ptr, ru->registries.len));
    PUT(daas_buf_append(b, ru->digests.ptr, ru->digests.len));
    PUT(daas_buf_append(b, ru->tiers, 3));
}

/* A vector<String> known to be well formed as a JSON array of strings. */
static json_t *json_strings(daas_bytes v)
{
    daas_sui_bcs_reader r;
    size_t n = 0;
    daas_bytes s;
    json_t *a = json_array();
    daas_sui_bcs_reader_init(&r, v);
    if (daas_sui_bcs_get_len(&r, "list", MAX_ENTRIES, 1, &n, NULL) != DAAS_OK)
        n = 0;
    for (size_t i = 0; i < n; i++)
        if (daas_sui_bcs_get_str(&r, "entry", v.len, &s, NULL) == DAAS_OK)
            json_array_append_new(a, json_stringn((const char *)s.ptr, s.len));
    return a;
}

/* The fields as Sui GraphQL renders them (u64 as a decimal string, u8 as a number). */
static json_t *rules_json(const rules *ru)
{
    return json_pack("{s:o,s:o,s:o,s:i,s:i,s:i}", "version", daas_devnet__json_u64(ru->version),
                     "allowed_registries", json_strings(ru->registries), "allowed_digests",
                     json_strings(ru->digests), "nitro_min_tier", (int)ru->tiers[0],
                     "host_path_min_tier", (int)ru->tiers[1], "host_network_min_tier",
                     (int)ru->tiers[2]);
}

json_t *daas_devnet__render_rules(const uint8_t *bcs, size_t len)
{
    rules ru;
    if (len < 32 || !rules_read(bcs + 32, len - 32, &ru))
        return NULL;
    json_t *j = rules_json(&ru);
    if (j != NULL)
        json_object_set_new(j, "id", daas_devnet__json_addr(bcs));
    return j;
}

/* ---- the checks of set_rules ---- */

static bool registry_ok(daas_bytes s)
{
    return s.len > 0 && s.len <= REGISTRY_MAX && s.ptr[s.len - 1] == '/';
}

static bool digest_ok(daas_bytes s)
{
    size_t p = strlen(DIGEST_PREFIX);
    if (s.len != DIGEST_LEN || memcmp(s.ptr, DIGEST_PREFIX, p) != 0)
        return false;
    for (size_t i = p; i < s.len; i++)
        if (!((s.ptr[i] >= '0' && s.ptr[i] <= '9') || (s.ptr[i] >= 'a' && s.ptr[i] <= 'f')))
            return false;
    return true;
}

static bool tier_ok(uint64_t t)
{
    return (t >= 1 && t <= 4) || t == TIER_NOBODY;
}

/* Every String of a vector<String> argument (checked well formed by the PTB) passes ok. */
static bool all_ok(daas_bytes v, bool (*ok)(daas_bytes))
{
    daas_sui_bcs_reader r;
    size_t n;
    daas_bytes s;
    daas_sui_bcs_reader_init(&r, v);
    if (daas_sui_bcs_get_len(&r, "list", v.len, 1, &n, NULL) != DAAS_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (daas_sui_bcs_get_str(&r, "entry", v.len, &s, NULL) != DAAS_OK || !ok(s))
            return false;
    return true;
}

/* The abort code of the first check set_rules' arguments fail, or 0. */
static uint64_t check_args(const dn_arg *a)
{
    if (a[2].u > MAX_ENTRIES || a[3].u > MAX_ENTRIES)
        return ETooMany;
    if (!all_ok(a[2].bytes, registry_ok))
        return EBadRegistry;
    if (!all_ok(a[3].bytes, digest_ok))
        return EBadDigest;
    if (!tier_ok(a[4].u) || !tier_ok(a[5].u) || !tier_ok(a[6].u))
        return EBadTier;
    return 0;
}

/* ---- entry function ---- */

/* set_rules(&AdminCap, &mut ClusterRules, registries, digests, nitro, host_path,
 * host_network). The AdminCap is the proof: the PTB checks its kind and that the sender may
 * use it (an owned input). */
static int fn_set_rules(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    dn_obj *o = &ex->objs[a[1].obj];
    rules cur, nu;
    daas_buf b;
    (void)ret;
    if (o->bcs_len < 32 || !rules_read(o->bcs + 32, o->bcs_len - 32, &cur))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt ClusterRules");
    uint64_t code = check_args(a);
    if (code != 0)
        return daas_devnet__abort(ex, MOD, "set_rules", 0, code);
    nu = (rules){.version = cur.version + 1,
                 .registries = a[2].bytes,
                 .digests = a[3].bytes,
                 .tiers = {(uint8_t)a[4].u, (uint8_t)a[5].u, (uint8_t)a[6].u}};
    daas_buf_init(&b, 0);
    PUT(daas_buf_append(&b, o->id, 32));
    rules_encode(&nu, &b);
    daas_devnet__obj_set(ex, a[1].obj, (const uint8_t *)b.data, b.len);
    daas_buf_reset(&b);
    rules_encode(&nu, &b);
    daas_devnet__emit(ex, MOD, "RulesUpdated", &b, rules_json(&nu));
    daas_buf_fini(&b);
    return DAAS_OK;
}

const dn_fn daas_devnet__rules_fns[] = {
    {MOD,
     "set_rules",
     0,
     7,
     {{DN_P_REF, DN_K_ADMINCAP},
      {DN_P_MUT, DN_K_RULES},
      {DN_P_VEC_STRING, 0},
      {DN_P_VEC_STRING, 0},
      {DN_P_U8, 0},
      {DN_P_U8, 0},
      {DN_P_U8, 0}},
     fn_set_rules},
};
const size_t daas_devnet__rules_n = sizeof(daas_devnet__rules_fns) / sizeof(dn_fn);

/* init: the shared ClusterRules with the publish defaults: version 1, any registry, no
 * digests, nitro enclaves from node (3), hostPath and hostNetwork admin (4) only. */
int daas_devnet__rules_genesis(dn_exec *ex, daas_err *err)
{
    static const uint8_t empty[1] = {0};
    rules ru = {.version = 1,
                .registries = DAAS_BYTES(empty, 1),
                .digests = DAAS_BYTES(empty, 1),
                .tiers = {3, 4, 4}};
    uint8_t uid[32] = {0};
    daas_buf b;
    (void)err;
    daas_buf_init(&b, 0);
    PUT(daas_buf_append(&b, uid, sizeof(uid)));
    rules_encode(&ru, &b);
    daas_devnet__obj_new(ex, DN_K_RULES, NULL, (const uint8_t *)b.data, b.len,
                         DAAS_SUI_OWNER_SHARED, NULL);
    daas_buf_fini(&b);
    return DAAS_OK;
}
