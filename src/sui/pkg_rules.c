/*
 * pkg_rules.c: the client of `cluster_rules` (pkg_rules.h): find, read and parse the shared
 * ClusterRules, the set_rules transaction, the rules' BCS for the enclave, tier names.
 *
 * Owns:   nothing stateful; the JSON reader of ClusterRules; the abort names of the module.
 * Not:    PTBs, gas, signing (ptb.c); GraphQL (gql.c); the evaluator (sched/policy.c).
 * Invariants:
 *   - the checks here are set_rules' (move/README.md), in its order, so that the CLI refuses
 *     what the chain would abort, before sending anything, with the abort's name;
 *   - everything read from the chain passes the same checks (DAAS_EREMOTE otherwise): the
 *     enclave is never handed rules the Move code could not have stored.
 * Spec:   move/README.md "cluster_rules"; specs/sui.md §5.2 (contents.json).
 */
#include "sui/pkg_rules.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "sui/bcs.h"
#include "sui/pkg_int.h"
#include "sui/ptb.h"
#include "sui/sui_int.h"

#define TRY(x) DAAS_SUI__TRY(x)

#define MOD "cluster_rules"
#define WHAT "ClusterRules"
#define DIGEST_PREFIX "sha256:"

/* SPEC: move/README.md "cluster_rules" abort codes. */
static const char *const ABORTS[] = {NULL, "EBadRegistry", "EBadDigest", "ETooMany", "EBadTier"};

const char *daas_pkg_rules_abort_name(const char *module, uint64_t code)
{
    const char *m = module ? strrchr(module, ':') : NULL;
    m = m ? m + 1 : module;
    if (m != NULL && strcmp(m, MOD) == 0)
        return code < sizeof ABORTS / sizeof *ABORTS ? ABORTS[code] : NULL;
    return daas_pkg_abort_name(module, code);
}

/* ---- tiers ---- */

static const char *const TIER_NAMES[] = {NULL, "viewer", "user", "node", "admin"};

const char *daas_pkg_rules_tier_name(uint8_t tier)
{
    if (tier >= 1 && tier <= 4)
        return TIER_NAMES[tier];
    return tier == DAAS_PKG_RULES_TIER_NOBODY ? "nobody" : "invalid";
}

int daas_pkg_rules_tier_parse(const char *s, uint8_t *out, daas_err *err)
{
    static const char *const NUMS[] = {NULL, "1", "2", "3", "4"};
    for (uint8_t t = 1; s != NULL && t <= 4; t++)
        if (strcmp(s, TIER_NAMES[t]) == 0 || strcmp(s, NUMS[t]) == 0) {
            *out = t;
            return DAAS_OK;
        }
    if (s != NULL && (strcmp(s, "nobody") == 0 || strcmp(s, "255") == 0)) {
        *out = DAAS_PKG_RULES_TIER_NOBODY;
        return DAAS_OK;
    }
    return daas_fail(err, DAAS_EINVAL,
                     "unknown tier \"%.40s\" (viewer, user, node, admin, nobody or 1-4, 255)",
                     s ? s : "");
}

/* ---- the checks of set_rules ---- */

static bool tier_ok(uint8_t t)
{
    return (t >= 1 && t <= 4) || t == DAAS_PKG_RULES_TIER_NOBODY;
}

/* Why registry s is refused, or NULL. */
static const char *registry_problem(const char *s)
{
    size_t n = strnlen(s, DAAS_PKG_RULES_REGISTRY_MAX + 1);
    if (n == 0)
        return "is empty";
    if (n > DAAS_PKG_RULES_REGISTRY_MAX)
        return "is longer than 255 bytes";
    return s[n - 1] == '/' ? NULL : "does not end in \"/\"";
}

static bool digest_ok(const char *s)
{
    size_t p = strlen(DIGEST_PREFIX);
    if (strnlen(s, DAAS_PKG_RULES_DIGEST_LEN + 1) != DAAS_PKG_RULES_DIGEST_LEN ||
        strncmp(s, DIGEST_PREFIX, p) != 0)
        return false;
    for (size_t i = p; i < DAAS_PKG_RULES_DIGEST_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int check_tiers(const daas_pkg_rules *r, daas_err *err)
{
    const struct {
        const char *name;
        uint8_t v;
    } T[] = {{"nitro_min_tier", r->nitro_min_tier},
             {"host_path_min_tier", r->host_path_min_tier},
             {"host_network_min_tier", r->host_network_min_tier}};
    for (size_t i = 0; i < 3; i++)
        if (!tier_ok(T[i].v))
            return daas_fail(err, DAAS_EINVAL,
                             "%s %u is not a tier (1-4 viewer..admin, 255 nobody) (EBadTier)",
                             T[i].name, (unsigned)T[i].v);
    return DAAS_OK;
}

int daas_pkg_rules_check(const daas_pkg_rules *r, daas_err *err)
{
    if (r->n_registries > DAAS_PKG_RULES_MAX_ENTRIES || r->n_digests > DAAS_PKG_RULES_MAX_ENTRIES)
        return daas_fail(err, DAAS_EINVAL,
                         "%zu registries and %zu digests: at most %d each "
                         "(ETooMany)",
                         r->n_registries, r->n_digests, DAAS_PKG_RULES_MAX_ENTRIES);
    for (size_t i = 0; i < r->n_registries; i++) {
        const char *why = registry_problem(r->registries[i]);
        if (why != NULL)
            return daas_fail(err, DAAS_EINVAL, "registry %zu \"%.60s\" %s (EBadRegistry)", i + 1,
                             r->registries[i], why);
    }
    for (size_t i = 0; i < r->n_digests; i++)
        if (!digest_ok(r->digests[i]))
            return daas_fail(err, DAAS_EINVAL,
                             "digest %zu \"%.80s\" is not sha256: and 64 lowercase hex digits "
                             "(EBadDigest)",
                             i + 1, r->digests[i]);
    return check_tiers(r, err);
}

void daas_pkg_rules_defaults(daas_pkg_rules *out)
{
    memset(out, 0, sizeof *out);
    out->version = 1;
    out->nitro_min_tier = DAAS_PKG_ROLE_NODE;
    out->host_path_min_tier = DAAS_PKG_ROLE_ADMIN;
    out->host_network_min_tier = DAAS_PKG_ROLE_ADMIN;
}

/* ---- reading ---- */

/* A JSON array of at most DAAS_PKG_RULES_MAX_ENTRIES strings of at most max bytes (no NUL)
 * into out[i] (rows of stride bytes). */
static int field_list(const json_t *obj, const char *key, size_t max, char *out, size_t stride,
                      size_t *n, daas_err *err)
{
    const json_t *a = json_object_get(obj, key);
    if (!json_is_array(a) || json_array_size(a) > DAAS_PKG_RULES_MAX_ENTRIES)
        return daas_pkg__bad_field(err, WHAT, key);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *v = json_array_get(a, i);
        size_t len = json_string_length(v);
        if (!json_is_string(v) || len > max || strlen(json_string_value(v)) != len)
            return daas_pkg__bad_field(err, WHAT, key);
        memcpy(out + i * stride, json_string_value(v), len + 1);
    }
    *n = json_array_size(a);
    return DAAS_OK;
}

/* A u8 field (a JSON integer, or a decimal string) in 0..255. */
static int field_u8(const json_t *obj, const char *key, uint8_t *out, daas_err *err)
{
    uint64_t v;
    if (!daas_json_u64(json_object_get(obj, key), &v) || v > UINT8_MAX)
        return daas_pkg__bad_field(err, WHAT, key);
    *out = (uint8_t)v;
    return DAAS_OK;
}

static int parse_fields(const json_t *j, daas_pkg_rules *r, daas_err *err)
{
    int rc;
    TRY(daas_pkg__field_u64(j, "version", WHAT, &r->version, err));
    TRY(field_list(j, "allowed_registries", DAAS_PKG_RULES_REGISTRY_MAX, &r->registries[0][0],
                   sizeof r->registries[0], &r->n_registries, err));
    TRY(field_list(j, "allowed_digests", DAAS_PKG_RULES_DIGEST_LEN, &r->digests[0][0],
                   sizeof r->digests[0], &r->n_digests, err));
    TRY(field_u8(j, "nitro_min_tier", &r->nitro_min_tier, err));
    TRY(field_u8(j, "host_path_min_tier", &r->host_path_min_tier, err));
    TRY(field_u8(j, "host_network_min_tier", &r->host_network_min_tier, err));
out:
    return rc;
}

int daas_pkg_rules_parse(const daas_sui_object *o, daas_pkg_rules *out, daas_err *err)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_err why = {0};
    int rc;
    if (o->owner_kind != DAAS_SUI_OWNER_SHARED) {
        rc = daas_fail(err, DAAS_EREMOTE, "daas package: a ClusterRules that is not shared");
        goto out;
    }
    TRY(daas_pkg__check_id(o->json, WHAT, o->ref.id, err));
    TRY(parse_fields(o->json, r, err));
    if (r->version == 0 || daas_pkg_rules_check(r, &why) != DAAS_OK) {
        rc = daas_fail(err, DAAS_EREMOTE, "daas package: ClusterRules the chain cannot hold: %s",
                       r->version == 0 ? "version 0" : why.msg);
        goto out;
    }
    *out = *r;
out:
    daas_free(r);
    return rc;
}

int daas_pkg_rules_find(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_rules_ref *out,
                        daas_err *err)
{
    return daas_pkg__find_shared(c, pkg->package, MOD, WHAT, out->id, &out->isv, NULL, err);
}

int daas_pkg_rules_read(daas_sui_client *c, const daas_pkg *pkg, const daas_pkg_rules_ref *ref,
                        daas_pkg_rules *out, daas_err *err)
{
    daas_sui_object o = {0};
    char *want = daas_pkg__type_of(pkg->package, MOD, WHAT);
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc;
    TRY(daas_sui_get_object(c, ref->id, &o, err));
    if (o.type == NULL || strcmp(o.type, want) != 0) {
        daas_sui_address_hex(ref->id, hex);
        rc = daas_fail(err, DAAS_EREMOTE,
                       "%s is not the daas package's ClusterRules (it is a "
                       "%.100s)",
                       hex, o.type ? o.type : "(non-Move object)");
        goto out;
    }
    rc = daas_pkg_rules_parse(&o, out, err);
out:
    daas_sui_object_fini(&o);
    daas_free(want);
    return rc;
}

/* ---- BCS and the transaction ---- */

/* BCS vector<String> of n rows (stride bytes apart) starting at rows. */
static int put_list(daas_buf *b, const char *rows, size_t stride, size_t n)
{
    int rc = daas_sui_bcs_put_len(b, n);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = daas_sui_bcs_put_str(b, rows + i * stride);
    return rc;
}

static int put_registries(daas_buf *b, const daas_pkg_rules *r)
{
    return put_list(b, &r->registries[0][0], sizeof r->registries[0], r->n_registries);
}

static int put_digests(daas_buf *b, const daas_pkg_rules *r)
{
    return put_list(b, &r->digests[0][0], sizeof r->digests[0], r->n_digests);
}

/* SPEC: move/README.md "cluster_rules" (the struct's fields after the UID, in order). */
int daas_pkg_rules_bcs(const daas_pkg_rules *r, daas_buf *out, daas_err *err)
{
    const uint8_t tiers[3] = {r->nitro_min_tier, r->host_path_min_tier, r->host_network_min_tier};
    int rc;
    TRY(daas_pkg_rules_check(r, err));
    rc = daas_sui_bcs_put_u64(out, r->version);
    if (rc == DAAS_OK)
        rc = put_registries(out, r);
    if (rc == DAAS_OK)
        rc = put_digests(out, r);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_fixed(out, tiers, sizeof tiers);
    if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "cluster rules: BCS past the buffer's cap");
out:
    return rc;
}

/* One vector<String> pure argument. */
static int list_arg(daas_sui_ptbb *b, int (*put)(daas_buf *, const daas_pkg_rules *),
                    const daas_pkg_rules *r, daas_sui_arg *a, daas_err *err)
{
    daas_buf v;
    daas_buf_init(&v, 0);
    int rc = put(&v, r);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure(b, DAAS_BYTES(v.data, v.len), a, err);
    daas_buf_fini(&v);
    return rc;
}

static int rules_args(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                      const daas_pkg_rules_ref *ref, const daas_pkg_rules *r, daas_sui_ptbb *b,
                      daas_sui_arg a[7], daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_objref cap;
    int rc;
    daas_sui_key_address(admin_key, addr);
    TRY(daas_pkg_find_admin_cap(c, pkg, addr, &cap, err));
    TRY(daas_sui_ptbb_object(b, &cap, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, ref->id, ref->isv, true, &a[1], err));
    TRY(list_arg(b, put_registries, r, &a[2], err));
    TRY(list_arg(b, put_digests, r, &a[3], err));
    TRY(daas_sui_ptbb_pure_u8(b, r->nitro_min_tier, &a[4], err));
    TRY(daas_sui_ptbb_pure_u8(b, r->host_path_min_tier, &a[5], err));
    TRY(daas_sui_ptbb_pure_u8(b, r->host_network_min_tier, &a[6], err));
out:
    return rc;
}

int daas_pkg_rules_set(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                       const daas_pkg_rules_ref *ref, const daas_pkg_rules *r,
                       daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_tx_opts o = {.abort_name = daas_pkg_rules_abort_name};
    daas_sui_ptbb *b = NULL;
    daas_sui_arg a[7];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(daas_pkg_rules_check(r, err));
    b = daas_sui_ptbb_new();
    TRY(rules_args(c, admin_key, pkg, ref, r, b, a, err));
    TRY(daas_sui_ptbb_move_call(b, pkg->package, MOD, "set_rules", NULL, 0, a, 7, NULL, err));
    rc = daas_sui_tx_run(c, admin_key, b, &o, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}
