/*
 * pkg.c: the client of the `daas` Move package: discovery of its shared objects, stake and
 * parameter reads, role_of, the entry-function transactions, and the staking event poll.
 *
 * Owns:   nothing stateful; the abort-code names of the package's modules.
 * Not:    PTBs, gas, signing (ptb.c); GraphQL (gql.c).
 * Invariants:
 *   - numbers from contents.json are read as Sui GraphQL gives them (u64 as decimal strings)
 *     and also as JSON integers; anything else is DAAS_EREMOTE naming the field;
 *   - the entry calls pass their arguments in move/README.md's order and the shared objects
 *     with the mutability the Move signature has (&mut Pool, &Pool, &mut Registry).
 * Spec:   move/README.md; specs/sui.md §5.2.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sui/pkg.h"
#include "sui/pkg_int.h"
#include "sui/ptb.h"
#include "sui/sui_int.h"

#define TRY(x) DAAS_SUI__TRY(x)

#define EVENT_PAGE 50

/* ---- JSON fields ---- */

int daas_pkg__bad_field(daas_err *err, const char *what, const char *field)
{
    return daas_fail(err, DAAS_EREMOTE, "daas package: %s: field %s is missing or malformed", what,
                     field);
}

int daas_pkg__field_u64(const json_t *obj, const char *key, const char *what, uint64_t *out,
                        daas_err *err)
{
    if (!daas_json_u64(json_object_get(obj, key), out))
        return daas_pkg__bad_field(err, what, key);
    return DAAS_OK;
}

int daas_pkg__field_addr(const json_t *obj, const char *key, const char *what,
                         uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    daas_err ignored = {0};
    if (s == NULL || daas_sui_address_parse(s, out, &ignored) != DAAS_OK)
        return daas_pkg__bad_field(err, what, key);
    return DAAS_OK;
}

/* "<package>::<module>::<name>" into a new string. */
char *daas_pkg__type_of(const uint8_t package[DAAS_SUI_ADDRESS_LEN], const char *module,
                        const char *name)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(package, hex);
    return daas_xasprintf("%s::%s::%s", hex, module, name);
}

/* ---- discovery and reads ---- */

/* A JSON array of integers 0..255 into b. */
static bool array_bytes(const json_t *v, daas_buf *b)
{
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        json_int_t x = json_integer_value(e);
        uint8_t byte = (uint8_t)x;
        if (!json_is_integer(e) || x < 0 || x > 255 || daas_buf_append(b, &byte, 1) != DAAS_OK)
            return false;
    }
    return true;
}

int daas_pkg__field_bytes(const json_t *obj, const char *key, const char *what, uint8_t *out,
                          size_t len, daas_err *err)
{
    const json_t *v = json_object_get(obj, key);
    daas_buf b;
    bool ok;
    daas_buf_init(&b, DAAS_PKG__BYTES_MAX);
    if (json_is_string(v))
        ok = daas_base64_decode(json_string_value(v), json_string_length(v), &b) == DAAS_OK;
    else
        ok = json_is_array(v) && array_bytes(v, &b);
    ok = ok && b.len == len;
    if (ok)
        memcpy(out, b.data, len);
    daas_buf_fini(&b);
    return ok ? DAAS_OK : daas_pkg__bad_field(err, what, key);
}

int daas_pkg__check_id(const json_t *obj, const char *what,
                       const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    uint8_t got[DAAS_SUI_ADDRESS_LEN];
    int rc = daas_pkg__field_addr(obj, "id", what, got, err);
    if (rc == DAAS_OK && memcmp(got, id, DAAS_SUI_ADDRESS_LEN) != 0)
        rc = daas_pkg__bad_field(err, what, "id");
    return rc;
}

int daas_pkg__created_id(const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                         const daas_sui_exec_result *r, const char *module, const char *name,
                         uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    char *want = daas_pkg__type_of(package, module, name);
    char *suffix = daas_xasprintf("::%s::%s", module, name);
    size_t sl = strlen(suffix);
    bool found = false;
    for (size_t i = 0; !found && i < r->n_created; i++) {
        const char *t = r->created[i].type;
        /* the full type, or the type in another address form ending the same way */
        found = t != NULL && (strcmp(t, want) == 0 ||
                              (strlen(t) > sl && strcmp(t + strlen(t) - sl, suffix) == 0));
        if (found)
            memcpy(id_out, r->created[i].id, DAAS_SUI_ADDRESS_LEN);
    }
    int rc = found ? DAAS_OK
                   : daas_fail(err, DAAS_EREMOTE, "transaction %s succeeded but created no %s",
                               r->digest, name);
    daas_free(suffix);
    daas_free(want);
    return rc;
}

int daas_pkg__find_one(daas_sui_client *c, const char *type, uint8_t id[DAAS_SUI_ADDRESS_LEN],
                       uint64_t *isv, json_t **json, int *found, daas_err *err)
{
    daas_sui_page page = {0};
    int rc;
    TRY(daas_sui_objects_by_type(c, type, NULL, 2, &page, err));
    if (page.n == 0)
        *found = DAAS_PKG__NONE;
    else if (page.n > 1 || page.has_next)
        *found = DAAS_PKG__SEVERAL;
    else if (page.items[0].owner_kind != DAAS_SUI_OWNER_SHARED)
        *found = DAAS_PKG__NOT_SHARED;
    else
        *found = DAAS_PKG__ONE;
    if (*found == DAAS_PKG__ONE) {
        memcpy(id, page.items[0].ref.id, DAAS_SUI_ADDRESS_LEN);
        *isv = page.items[0].initial_shared_version;
        if (json != NULL)
            *json = json_incref(page.items[0].json);
    }
out:
    daas_sui_page_fini(&page);
    return rc;
}

int daas_pkg__find_shared(daas_sui_client *c, const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                          const char *module, const char *name, uint8_t id[DAAS_SUI_ADDRESS_LEN],
                          uint64_t *isv, json_t **json, daas_err *err)
{
    char *type = daas_pkg__type_of(package, module, name);
    int found = DAAS_PKG__ONE;
    int rc = daas_pkg__find_one(c, type, id, isv, json, &found, err);
    if (rc == DAAS_OK && found == DAAS_PKG__NONE)
        rc = daas_fail(err, DAAS_ENOTFOUND, "no %.160s object: is it the daas package?", type);
    else if (rc == DAAS_OK && found == DAAS_PKG__SEVERAL)
        rc = daas_fail(err, DAAS_EREMOTE, "more than one %.160s object", type);
    else if (rc == DAAS_OK && found == DAAS_PKG__NOT_SHARED)
        rc = daas_fail(err, DAAS_EREMOTE, "the %.160s object is not shared", type);
    daas_free(type);
    return rc;
}

int daas_pkg_discover(daas_sui_client *c, const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                      daas_pkg *out, daas_err *err)
{
    json_t *pool = NULL;
    daas_pkg p = {0};
    int rc;
    memcpy(p.package, package, DAAS_SUI_ADDRESS_LEN);
    TRY(daas_pkg__find_shared(c, package, "staking", "Pool", p.pool, &p.pool_isv, &pool, err));
    TRY(daas_pkg__field_addr(json_object_get(pool, "stakes"), "id", "Pool.stakes", p.stakes, err));
    TRY(daas_pkg__find_shared(c, package, "registry", "Registry", p.registry, &p.registry_isv,
                              NULL, err));
    *out = p;
out:
    json_decref(pool);
    return rc;
}

int daas_pkg_get_params(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_params *out,
                        daas_err *err)
{
    daas_sui_object pool = {0};
    daas_pkg_params p = {0};
    int rc;
    TRY(daas_sui_get_object(c, pkg->pool, &pool, err));
    const json_t *th = json_object_get(pool.json, "thresholds");
    if (!json_is_array(th) || json_array_size(th) != 4) {
        rc = daas_pkg__bad_field(err, "Pool", "thresholds");
        goto out;
    }
    for (size_t i = 0; i < 4; i++)
        if (!daas_json_u64(json_array_get(th, i), &p.thresholds[i])) {
            rc = daas_pkg__bad_field(err, "Pool", "thresholds");
            goto out;
        }
    TRY(daas_pkg__field_u64(pool.json, "lock_epochs", "Pool", &p.lock_epochs, err));
    *out = p;
out:
    daas_sui_object_fini(&pool);
    return rc;
}

/* Stake { amount, role, locked_until, slashed } from its json. */
static int parse_stake(const json_t *j, daas_pkg_stake_info *s, daas_err *err)
{
    uint64_t role = 0;
    const json_t *slashed = json_object_get(j, "slashed");
    int rc;
    TRY(daas_pkg__field_u64(j, "amount", "Stake", &s->amount, err));
    TRY(daas_pkg__field_u64(j, "role", "Stake", &role, err));
    TRY(daas_pkg__field_u64(j, "locked_until", "Stake", &s->locked_until, err));
    if (role > 255 || !json_is_boolean(slashed)) {
        rc = daas_pkg__bad_field(err, "Stake", role > 255 ? "role" : "slashed");
        goto out;
    }
    s->role = (uint8_t)role;
    s->slashed = json_is_true(slashed);
    s->present = true;
out:
    return rc;
}

int daas_pkg_stake_of(daas_sui_client *c, const daas_pkg *pkg,
                      const uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_pkg_stake_info *out,
                      daas_err *err)
{
    daas_err local = {0};
    json_t *json = NULL;
    /* SPEC: move/README.md: the entry is the dynamic field of stakes.id named by the address
     * (BCS of an address: its 32 bytes). */
    int rc = daas_sui_dynamic_field(c, pkg->stakes, "address",
                                    DAAS_BYTES(addr, DAAS_SUI_ADDRESS_LEN), &json, &local);
    memset(out, 0, sizeof(*out));
    if (rc == DAAS_ENOTFOUND)
        return DAAS_OK;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", local.msg);
    rc = parse_stake(json, out, err);
    json_decref(json);
    if (rc != DAAS_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

int daas_pkg_role_of(const daas_pkg_params *params, const daas_pkg_stake_info *stake)
{
    if (!stake->present || stake->slashed)
        return DAAS_PKG_ROLE_NONE;
    int top = stake->role > DAAS_PKG_ROLE_ADMIN ? DAAS_PKG_ROLE_ADMIN : stake->role;
    for (int r = top; r >= DAAS_PKG_ROLE_VIEWER; r--)
        if (stake->amount >= params->thresholds[r - 1])
            return r;
    return DAAS_PKG_ROLE_NONE;
}

static const char *const ROLE_NAMES[] = {"none", "viewer", "user", "node", "admin"};

const char *daas_pkg_role_name(int role)
{
    if (role < DAAS_PKG_ROLE_NONE || role > DAAS_PKG_ROLE_ADMIN)
        return "invalid";
    return ROLE_NAMES[role];
}

int daas_pkg_role_parse(const char *s, int *role, daas_err *err)
{
    for (int r = DAAS_PKG_ROLE_NONE; s != NULL && r <= DAAS_PKG_ROLE_ADMIN; r++) {
        if (strcmp(s, ROLE_NAMES[r]) == 0 || (s[0] == '0' + r && s[1] == '\0')) {
            *role = r;
            return DAAS_OK;
        }
    }
    return daas_fail(err, DAAS_EINVAL,
                     "unknown role \"%.40s\" (none, viewer, user, node, admin or 0-4)", s ? s : "");
}

/* SPEC: move/README.md abort codes of `staking` and `registry`. */
static const char *const STAKING_ABORTS[] = {
    NULL,       "EBadRole", "EZeroAmount",   "EBelowThreshold", "ESlashed",
    "ENoStake", "ELocked",  "EInsufficient", "EBadEvidence",    "EBadThresholds"};
static const char *const REGISTRY_ABORTS[] = {NULL,        "ENotNode",   "EBadName", "ENameTaken",
                                              "ENotOwner", "EBadStatus", "ENoNode"};
static const char *const ENCLAVE_ABORTS[] = {NULL, "EBadPcr", "EInvalidPcrs",
                                             "ENoPublicKey", "EDebugNotAllowed"};
static const char *const SCHEDULING_ABORTS[] = {NULL,          "EStaleEnclave", "EBadRoot",
                                                "EEmptyBatch", "ESeqGap",       "EBadSignature"};
static const char *const NITRO_ABORTS[] = {"ENotSupportedError", "EParseError", "EVerifyError",
                                           "EInvalidPCRsError"};

static const char *const POLICY_ABORTS[] = {
    NULL,          "ENotAdmin", "EBadParams", "EInsufficientStake", "ENotAllowed",
    "EOutsideWindow", "EUsageLimit", "EWrongId", "EBadTicket", "ETicketExpired"};
/* the Seal package's key_server (specs/seal.md §7.1) */
static const char *const KEY_SERVER_ABORTS[] = {NULL, "EInvalidKeyType", "EInvalidVersion",
                                                "EInvalidServerType"};
#define ABORTS(t) {t, sizeof(t) / sizeof(*(t))}
static const struct {
    const char *module;
    struct {
        const char *const *names;
        size_t n;
    } codes;
} ABORT_TABLES[] = {
    {"staking", ABORTS(STAKING_ABORTS)},       {"registry", ABORTS(REGISTRY_ABORTS)},
    {"enclave", ABORTS(ENCLAVE_ABORTS)},       {"scheduling", ABORTS(SCHEDULING_ABORTS)},
    {"nitro_attestation", ABORTS(NITRO_ABORTS)},
    {"secret_policy", ABORTS(POLICY_ABORTS)},  {"key_server", ABORTS(KEY_SERVER_ABORTS)},
};

const char *daas_pkg_abort_name(const char *module, uint64_t code)
{
    const char *m;
    if (module == NULL)
        return NULL;
    m = strrchr(module, ':');
    m = m ? m + 1 : module;
    for (size_t i = 0; i < sizeof ABORT_TABLES / sizeof *ABORT_TABLES; i++)
        if (strcmp(m, ABORT_TABLES[i].module) == 0)
            return code < ABORT_TABLES[i].codes.n ? ABORT_TABLES[i].codes.names[code] : NULL;
    if (strcmp(m, "time") == 0 && code == 93492) /* the Seal package's staleness check */
        return "EStaleFullnode";
    return NULL;
}

/* ---- transactions ---- */

int daas_pkg__call_run(daas_sui_client *c, const daas_sui_key *key, daas_sui_ptbb *b,
                       const uint8_t package[DAAS_SUI_ADDRESS_LEN], const char *module,
                       const char *fn, const daas_sui_arg *args, size_t n, uint64_t spend,
                       daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_tx_opts o = {.spend = spend, .abort_name = daas_pkg_abort_name};
    int rc = daas_sui_ptbb_move_call(b, package, module, fn, NULL, 0, args, n, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_sui_tx_run(c, key, b, &o, result, err);
    return rc;
}

/* daas_pkg__call_run into the daas package. */
static int call_run(daas_sui_client *c, const daas_sui_key *key, daas_sui_ptbb *b,
                    const daas_pkg *pkg, const char *module, const char *fn,
                    const daas_sui_arg *args, size_t n, uint64_t spend,
                    daas_sui_exec_result *result, daas_err *err)
{
    return daas_pkg__call_run(c, key, b, pkg->package, module, fn, args, n, spend, result, err);
}

int daas_pkg_stake(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                   uint64_t amount, int role, daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[3], amt;
    int rc;
    memset(result, 0, sizeof(*result));
    if (role < 0 || role > 255) {
        rc = daas_fail(err, DAAS_EINVAL, "stake: role %d is not a u8", role);
        goto out;
    }
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, true, &a[0], err));
    TRY(daas_sui_ptbb_pure_u64(b, amount, &amt, err));
    TRY(daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &amt, 1, &a[1], err));
    TRY(daas_sui_ptbb_pure_u8(b, (uint8_t)role, &a[2], err));
    rc = call_run(c, key, b, pkg, "staking", "stake", a, 3, amount, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_unstake(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                     uint64_t amount, daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[2];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, true, &a[0], err));
    TRY(daas_sui_ptbb_pure_u64(b, amount, &a[1], err));
    rc = call_run(c, key, b, pkg, "staking", "unstake", a, 2, 0, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_find_admin_cap(daas_sui_client *c, const daas_pkg *pkg,
                            const uint8_t owner[DAAS_SUI_ADDRESS_LEN], daas_sui_objref *out,
                            daas_err *err)
{
    char *type = daas_pkg__type_of(pkg->package, "staking", "AdminCap");
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_page page = {0};
    int rc = daas_sui_owned_objects(c, owner, type, NULL, 1, &page, err);
    if (rc == DAAS_OK && page.n == 0) {
        daas_sui_address_hex(owner, hex);
        rc =
            daas_fail(err, DAAS_ENOTFOUND, "%s owns no staking::AdminCap of the daas package", hex);
    }
    if (rc == DAAS_OK)
        *out = page.items[0].ref;
    daas_sui_page_fini(&page);
    daas_free(type);
    return rc;
}

/* Starts an admin PTB: the key's AdminCap and the Pool (mutable) as a[0], a[1]. */
static int admin_inputs(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                        daas_sui_ptbb *b, daas_sui_arg a[2], daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_objref cap;
    int rc;
    daas_sui_key_address(admin_key, addr);
    TRY(daas_pkg_find_admin_cap(c, pkg, addr, &cap, err));
    TRY(daas_sui_ptbb_object(b, &cap, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, true, &a[1], err));
out:
    return rc;
}

int daas_pkg_slash(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                   const uint8_t staker[DAAS_SUI_ADDRESS_LEN], uint64_t amount, daas_bytes evidence,
                   daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[5];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(admin_inputs(c, admin_key, pkg, b, a, err));
    TRY(daas_sui_ptbb_pure_address(b, staker, &a[2], err));
    TRY(daas_sui_ptbb_pure_u64(b, amount, &a[3], err));
    TRY(daas_sui_ptbb_pure_bytes(b, evidence, &a[4], err));
    rc = call_run(c, admin_key, b, pkg, "staking", "slash", a, 5, 0, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_set_params(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                        const daas_pkg_params *params, daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[7];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(admin_inputs(c, admin_key, pkg, b, a, err));
    for (size_t i = 0; i < 4; i++)
        TRY(daas_sui_ptbb_pure_u64(b, params->thresholds[i], &a[2 + i], err));
    TRY(daas_sui_ptbb_pure_u64(b, params->lock_epochs, &a[6], err));
    rc = call_run(c, admin_key, b, pkg, "staking", "set_params", a, 7, 0, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_register_node(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                           const char *name, const char *endpoint, daas_sui_exec_result *result,
                           daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[4];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(daas_sui_ptbb_shared(b, pkg->registry, pkg->registry_isv, true, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, false, &a[1], err));
    TRY(daas_sui_ptbb_pure_string(b, name, &a[2], err));
    TRY(daas_sui_ptbb_pure_string(b, endpoint, &a[3], err));
    rc = call_run(c, key, b, pkg, "registry", "register_node", a, 4, 0, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_set_node_status(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                             const char *name, int status, daas_sui_exec_result *result,
                             daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[3];
    int rc;
    memset(result, 0, sizeof(*result));
    if (status < 0 || status > 255) {
        rc = daas_fail(err, DAAS_EINVAL, "node status %d is not a u8", status);
        goto out;
    }
    TRY(daas_sui_ptbb_shared(b, pkg->registry, pkg->registry_isv, true, &a[0], err));
    TRY(daas_sui_ptbb_pure_string(b, name, &a[1], err));
    TRY(daas_sui_ptbb_pure_u8(b, (uint8_t)status, &a[2], err));
    rc = call_run(c, key, b, pkg, "registry", "set_status", a, 3, 0, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

/* ---- events ---- */

static int deliver(const daas_sui_event *e, daas_pkg_event_fn fn, void *arg, daas_err *err)
{
    daas_pkg_event ev = {.type = e->type, .json = e->json, .timestamp_ms = e->timestamp_ms};
    const char *name = e->type ? strrchr(e->type, ':') : NULL;
    const char *staker = json_string_value(json_object_get(e->json, "staker"));
    daas_err ignored = {0};
    char shortname[DAAS_SUI_MAX_IDENT + 1];
    if (name == NULL)
        return daas_fail(err, DAAS_EREMOTE, "daas package: an event without a type");
    /* the short name stops before any type parameters */
    size_t n = strcspn(name + 1, "<");
    if (n > DAAS_SUI_MAX_IDENT)
        n = DAAS_SUI_MAX_IDENT;
    memcpy(shortname, name + 1, n);
    shortname[n] = '\0';
    ev.name = shortname;
    memcpy(ev.sender, e->sender, DAAS_SUI_ADDRESS_LEN);
    if (staker != NULL) {
        if (daas_sui_address_parse(staker, ev.staker, &ignored) != DAAS_OK)
            return daas_pkg__bad_field(err, shortname, "staker");
        ev.has_staker = true;
    }
    return fn(arg, &ev, err);
}

int daas_pkg_poll_events(daas_sui_client *c, const daas_pkg *pkg, char **cursor,
                         daas_pkg_event_fn fn, void *arg, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    char *filter;
    int rc = DAAS_OK;
    bool more = true;
    daas_sui_address_hex(pkg->package, hex);
    filter = daas_xasprintf("%s::staking", hex);
    while (rc == DAAS_OK && more) {
        daas_sui_events page = {0};
        rc = daas_sui_query_events(c, filter, *cursor, EVENT_PAGE, &page, err);
        for (size_t i = 0; rc == DAAS_OK && i < page.n; i++)
            rc = deliver(&page.items[i], fn, arg, err);
        if (rc == DAAS_OK && page.has_next && page.cursor == NULL)
            rc = daas_fail(err, DAAS_EREMOTE, "sui: events page has more but no cursor");
        if (rc == DAAS_OK && page.cursor != NULL) {
            daas_free(*cursor);
            *cursor = page.cursor; /* take it */
            page.cursor = NULL;
        }
        more = page.has_next && page.n > 0;
        daas_sui_events_fini(&page);
    }
    daas_free(filter);
    return rc;
}
