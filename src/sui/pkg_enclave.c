/*
 * pkg_enclave.c: the client of the daas package's `enclave` and `scheduling` modules: finding
 * the Ledger and the cluster's EnclaveConfig, reading EnclaveConfig and Enclave objects, and
 * the create_config / update_config / register / commit_batch transactions.
 *
 * Owns:   nothing stateful; the JSON readers of EnclaveConfig and Enclave.
 * Not:    PTBs, gas, signing (ptb.c); GraphQL (gql.c); abort names (pkg.c); attestation
 *         (enclave/attest.h); batch roots and their signatures (sched/sched.h).
 * Invariants:
 *   - every field of an object read from the chain is checked (type, presence, length): a
 *     missing or malformed one is DAAS_EREMOTE naming the object and the field;
 *   - vector<u8> fields are read as Sui GraphQL renders them in contents.json (a Base64
 *     string; the devnet does the same) and, for older servers, as a JSON array of bytes
 *     (daas_pkg__field_bytes);
 *   - u64 fields as decimal strings or JSON integers (daas_json_u64);
 *   - shared objects are passed with the mutability of the Move signature: update_config
 *     &mut EnclaveConfig; register &EnclaveConfig and &Clock; commit_batch &mut Ledger,
 *     &EnclaveConfig, &mut Enclave.
 * Spec:   move/README.md `enclave`, `scheduling`; specs/nautilus.md (registration);
 *         specs/sui.md §5.2.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sui/pkg_enclave.h"
#include "sui/pkg_int.h"
#include "sui/ptb.h"
#include "sui/sui_int.h"

#define TRY(x) DAAS_SUI__TRY(x)

#define LIST_PAGE 50
#define LIST_MAX 10000u

static const uint8_t FRAMEWORK[DAAS_SUI_ADDRESS_LEN] = {[31] = 2};
static const uint8_t CLOCK[DAAS_SUI_ADDRESS_LEN] = {[31] = 6};
#define CLOCK_ISV 1 /* the Clock 0x6 is shared at version 1 */

/* ---- JSON fields ---- */

static int field_bool(const json_t *obj, const char *key, const char *what, bool *out,
                      daas_err *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_boolean(v))
        return daas_pkg__bad_field(err, what, key);
    *out = json_is_true(v);
    return DAAS_OK;
}

/* ---- the objects ---- */

/* EnclaveConfig { id, name, pcr0, pcr1, pcr2, allow_debug, version } from o. */
int daas_pkg__parse_config(const daas_sui_object *o, daas_pkg_enclave_config *out, daas_err *err)
{
    static const char *const PCRS[3] = {"pcr0", "pcr1", "pcr2"};
    const char *what = "EnclaveConfig";
    const json_t *name = json_object_get(o->json, "name");
    daas_pkg_enclave_config c;
    int rc;
    memset(&c, 0, sizeof c);
    memcpy(c.id, o->ref.id, DAAS_SUI_ADDRESS_LEN);
    TRY(daas_pkg__check_id(o->json, what, c.id, err));
    if (!json_is_string(name) || json_string_length(name) > DAAS_PKG_CONFIG_NAME_MAX ||
        strlen(json_string_value(name)) != json_string_length(name)) {
        rc = daas_pkg__bad_field(err, what, "name");
        goto out;
    }
    memcpy(c.name, json_string_value(name), json_string_length(name));
    for (int i = 0; i < 3; i++)
        TRY(daas_pkg__field_bytes(o->json, PCRS[i], what, c.pcr[i], DAAS_PKG_PCR_LEN, err));
    TRY(field_bool(o->json, "allow_debug", what, &c.allow_debug, err));
    TRY(daas_pkg__field_u64(o->json, "version", what, &c.version, err));
    *out = c;
out:
    return rc;
}

/* Enclave { id, config, config_version, public_key, owner, registered_epoch, next_seq }. */
int daas_pkg__parse_enclave(const daas_sui_object *o, daas_pkg_enclave *out, daas_err *err)
{
    const char *what = "Enclave";
    daas_pkg_enclave e;
    int rc;
    memset(&e, 0, sizeof e);
    memcpy(e.id, o->ref.id, DAAS_SUI_ADDRESS_LEN);
    if (o->owner_kind != DAAS_SUI_OWNER_SHARED)
        return daas_fail(err, DAAS_EREMOTE, "daas package: an Enclave that is not shared");
    e.isv = o->initial_shared_version;
    TRY(daas_pkg__check_id(o->json, what, e.id, err));
    TRY(daas_pkg__field_addr(o->json, "config", what, e.config, err));
    TRY(daas_pkg__field_u64(o->json, "config_version", what, &e.config_version, err));
    TRY(daas_pkg__field_bytes(o->json, "public_key", what, e.public_key,
                              DAAS_PKG_ENCLAVE_PK_LEN, err));
    TRY(daas_pkg__field_addr(o->json, "owner", what, e.owner, err));
    TRY(daas_pkg__field_u64(o->json, "registered_epoch", what, &e.registered_epoch, err));
    TRY(daas_pkg__field_u64(o->json, "next_seq", what, &e.next_seq, err));
    *out = e;
out:
    return rc;
}

/* Checks that o is of type <package>::module::name (DAAS_EREMOTE naming what it is). */
static int check_type(const daas_sui_object *o, const daas_pkg *pkg, const char *module,
                      const char *name, daas_err *err)
{
    char *want = daas_pkg__type_of(pkg->package, module, name);
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc = DAAS_OK;
    if (o->type == NULL || strcmp(o->type, want) != 0) {
        daas_sui_address_hex(o->ref.id, hex);
        rc = daas_fail(err, DAAS_EREMOTE, "%s is not the daas package's %s::%s (it is a %.100s)",
                       hex, module, name, o->type ? o->type : "(non-Move object)");
    }
    daas_free(want);
    return rc;
}

int daas_pkg_enclave_config_get(daas_sui_client *c, const daas_pkg *pkg,
                                const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                daas_pkg_enclave_config *out, daas_err *err)
{
    daas_sui_object o = {0};
    int rc;
    TRY(daas_sui_get_object(c, id, &o, err));
    TRY(check_type(&o, pkg, "enclave", "EnclaveConfig", err));
    rc = daas_pkg__parse_config(&o, out, err);
out:
    daas_sui_object_fini(&o);
    return rc;
}

int daas_pkg_enclave_get(daas_sui_client *c, const daas_pkg *pkg,
                         const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_pkg_enclave *out,
                         daas_err *err)
{
    daas_sui_object o = {0};
    int rc;
    TRY(daas_sui_get_object(c, id, &o, err));
    TRY(check_type(&o, pkg, "enclave", "Enclave", err));
    rc = daas_pkg__parse_enclave(&o, out, err);
out:
    daas_sui_object_fini(&o);
    return rc;
}

/* Appends one page of Enclaves to *out (capacity *cap), n counting them. */
static int list_page(const daas_sui_page *page, daas_pkg_enclave **out, size_t *n, size_t *cap,
                     daas_err *err)
{
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < page->n; i++) {
        if (*n >= LIST_MAX)
            return daas_fail(err, DAAS_EREMOTE, "more than %u Enclave objects", LIST_MAX);
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : LIST_PAGE;
            *out = daas_xrealloc(*out, *cap * sizeof **out);
        }
        rc = daas_pkg__parse_enclave(&page->items[i], &(*out)[*n], err);
        if (rc == DAAS_OK)
            (*n)++;
    }
    return rc;
}

int daas_pkg_enclave_list(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_enclave **out,
                          size_t *n, daas_err *err)
{
    char *type = daas_pkg__type_of(pkg->package, "enclave", "Enclave");
    char *cursor = NULL;
    daas_pkg_enclave *items = NULL;
    size_t count = 0, cap = 0;
    bool more = true;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && more) {
        daas_sui_page page = {0};
        rc = daas_sui_objects_by_type(c, type, cursor, LIST_PAGE, &page, err);
        if (rc == DAAS_OK)
            rc = list_page(&page, &items, &count, &cap, err);
        if (rc == DAAS_OK && page.has_next && page.cursor == NULL)
            rc = daas_fail(err, DAAS_EREMOTE, "sui: objects page has more but no cursor");
        more = page.has_next && page.n > 0;
        daas_free(cursor);
        cursor = page.cursor; /* take it */
        page.cursor = NULL;
        daas_sui_page_fini(&page);
    }
    daas_free(cursor);
    daas_free(type);
    if (rc != DAAS_OK || count == 0) {
        daas_free(items);
        items = NULL;
        count = 0;
    }
    *out = items;
    *n = count;
    return rc;
}

/* ---- discovery ---- */

/* The Ledger: the one shared <package>::scheduling::Ledger. */
static int find_ledger(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_sched *s, daas_err *err)
{
    return daas_pkg__find_shared(c, pkg->package, "scheduling", "Ledger", s->ledger,
                                 &s->ledger_isv, NULL, err);
}

/* The config with id: an EnclaveConfig, shared. */
static int named_config(daas_sui_client *c, const daas_pkg *pkg,
                        const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_pkg_sched *s, daas_err *err)
{
    daas_sui_object o = {0};
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc;
    daas_sui_address_hex(id, hex);
    TRY(daas_sui_get_object(c, id, &o, err));
    TRY(check_type(&o, pkg, "enclave", "EnclaveConfig", err));
    if (o.owner_kind != DAAS_SUI_OWNER_SHARED) {
        rc = daas_fail(err, DAAS_EREMOTE, "the EnclaveConfig %s is not shared", hex);
        goto out;
    }
    memcpy(s->config, id, DAAS_SUI_ADDRESS_LEN);
    s->config_isv = o.initial_shared_version;
out:
    daas_sui_object_fini(&o);
    return rc;
}

/* The only EnclaveConfig of the package. */
static int only_config(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_sched *s, daas_err *err)
{
    char *type = daas_pkg__type_of(pkg->package, "enclave", "EnclaveConfig");
    int found = DAAS_PKG__ONE;
    int rc = daas_pkg__find_one(c, type, s->config, &s->config_isv, NULL, &found, err);
    daas_free(type);
    if (rc == DAAS_OK && found == DAAS_PKG__NONE)
        rc = daas_fail(err, DAAS_ENOTFOUND,
                       "no EnclaveConfig: create one with `daas sui enclave-config create`");
    else if (rc == DAAS_OK && found == DAAS_PKG__SEVERAL)
        rc = daas_fail(err, DAAS_EREMOTE,
                       "several EnclaveConfig objects: name one with --config 0x...");
    else if (rc == DAAS_OK && found == DAAS_PKG__NOT_SHARED)
        rc = daas_fail(err, DAAS_EREMOTE, "the EnclaveConfig is not shared");
    return rc;
}

int daas_pkg_sched_discover(daas_sui_client *c, const daas_pkg *pkg, const uint8_t *config_id,
                            daas_pkg_sched *out, daas_err *err)
{
    daas_pkg_sched s;
    int rc;
    memset(&s, 0, sizeof s);
    TRY(find_ledger(c, pkg, &s, err));
    if (config_id != NULL)
        TRY(named_config(c, pkg, config_id, &s, err));
    else
        TRY(only_config(c, pkg, &s, err));
    *out = s;
out:
    return rc;
}

/* ---- transactions ---- */

/* An admin PTB's first input: the AdminCap of admin_key. */
static int admin_cap(daas_sui_client *c, const daas_sui_key *admin_key, const daas_pkg *pkg,
                     daas_sui_ptbb *b, daas_sui_arg *a, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_objref cap;
    int rc;
    daas_sui_key_address(admin_key, addr);
    TRY(daas_pkg_find_admin_cap(c, pkg, addr, &cap, err));
    rc = daas_sui_ptbb_object(b, &cap, a, err);
out:
    return rc;
}

/* pcr0, pcr1, pcr2, allow_debug as a[0..3]. */
static int pcr_args(daas_sui_ptbb *b, const uint8_t pcr[3][DAAS_PKG_PCR_LEN], bool allow_debug,
                    daas_sui_arg a[4], daas_err *err)
{
    int rc = DAAS_OK;
    for (int i = 0; rc == DAAS_OK && i < 3; i++)
        rc = daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(pcr[i], DAAS_PKG_PCR_LEN), &a[i], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_bool(b, allow_debug, &a[3], err);
    return rc;
}

int daas_pkg_enclave_config_create(daas_sui_client *c, const daas_sui_key *admin_key,
                                   const daas_pkg *pkg, const char *name,
                                   const uint8_t pcr[3][DAAS_PKG_PCR_LEN], bool allow_debug,
                                   daas_sui_exec_result *result,
                                   uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[6];
    int rc;
    memset(result, 0, sizeof(*result));
    /* a longer name would be accepted by the chain but could not be read back here */
    if (name == NULL || name[0] == '\0' || strlen(name) > DAAS_PKG_CONFIG_NAME_MAX) {
        rc = daas_fail(err, DAAS_EINVAL, "config name must be 1..%d bytes",
                       DAAS_PKG_CONFIG_NAME_MAX);
        goto out;
    }
    TRY(admin_cap(c, admin_key, pkg, b, &a[0], err));
    TRY(daas_sui_ptbb_pure_string(b, name, &a[1], err));
    TRY(pcr_args(b, pcr, allow_debug, &a[2], err));
    TRY(daas_pkg__call_run(c, admin_key, b, pkg->package, "enclave", "create_config", a, 6, 0,
                           result, err));
    rc = daas_pkg__created_id(pkg->package, result, "enclave", "EnclaveConfig", id_out, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_enclave_config_update(daas_sui_client *c, const daas_sui_key *admin_key,
                                   const daas_pkg *pkg, const daas_pkg_sched *sched,
                                   const uint8_t pcr[3][DAAS_PKG_PCR_LEN], bool allow_debug,
                                   daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[6];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(admin_cap(c, admin_key, pkg, b, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, sched->config, sched->config_isv, true, &a[1], err));
    TRY(pcr_args(b, pcr, allow_debug, &a[2], err));
    rc = daas_pkg__call_run(c, admin_key, b, pkg->package, "enclave", "update_config", a, 6, 0,
                            result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_enclave_register(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                              const daas_pkg_sched *sched, daas_bytes document,
                              daas_sui_exec_result *result, uint8_t id_out[DAAS_SUI_ADDRESS_LEN],
                              daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg la[2], ra[2];
    int rc;
    memset(result, 0, sizeof(*result));
    /* SPEC: specs/nautilus.md: load_nitro_attestation(document, &Clock) in the same PTB */
    TRY(daas_sui_ptbb_pure_bytes(b, document, &la[0], err));
    TRY(daas_sui_ptbb_shared(b, CLOCK, CLOCK_ISV, false, &la[1], err));
    TRY(daas_sui_ptbb_move_call(b, FRAMEWORK, "nitro_attestation", "load_nitro_attestation", NULL,
                                0, la, 2, &ra[1], err));
    TRY(daas_sui_ptbb_shared(b, sched->config, sched->config_isv, false, &ra[0], err));
    TRY(daas_pkg__call_run(c, key, b, pkg->package, "enclave", "register", ra, 2, 0, result,
                           err));
    rc = daas_pkg__created_id(pkg->package, result, "enclave", "Enclave", id_out, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_commit_batch(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                          const daas_pkg_sched *sched, const daas_pkg_enclave *enclave,
                          const uint8_t root[32], uint64_t first_seq, uint64_t count,
                          uint64_t timestamp_ms, const uint8_t signature[64],
                          daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg a[8];
    int rc;
    memset(result, 0, sizeof(*result));
    TRY(daas_sui_ptbb_shared(b, sched->ledger, sched->ledger_isv, true, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, sched->config, sched->config_isv, false, &a[1], err));
    /* &mut Enclave: commit_batch advances the enclave's next_seq */
    TRY(daas_sui_ptbb_shared(b, enclave->id, enclave->isv, true, &a[2], err));
    TRY(daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(root, 32), &a[3], err));
    TRY(daas_sui_ptbb_pure_u64(b, first_seq, &a[4], err));
    TRY(daas_sui_ptbb_pure_u64(b, count, &a[5], err));
    TRY(daas_sui_ptbb_pure_u64(b, timestamp_ms, &a[6], err));
    TRY(daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(signature, 64), &a[7], err));
    rc = daas_pkg__call_run(c, key, b, pkg->package, "scheduling", "commit_batch", a, 8, 0,
                            result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}
