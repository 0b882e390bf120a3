/*
 * pkg_seal.c: the client of the chain side of Seal (pkg_seal.h): KeyServer objects of the Seal
 * package (create, set_url, get, find), the daas package's DecryptionPolicy (create, get,
 * request_access) and the BCS of the seal_approve PTB a Seal client sends to key servers.
 *
 * Owns:   nothing stateful; the JSON readers of KeyServer, KeyServerV1/V2 and
 *         DecryptionPolicy.
 * Not:    PTBs, gas, signing (ptb.c); GraphQL (gql.c); abort names (pkg.c); Seal crypto.
 * Invariants:
 *   - everything read from the chain is checked (type, presence, length): a wrong one is
 *     DAAS_EREMOTE naming the object and the field;
 *   - a KeyServer is read at the highest version in [first_version, last_version] that this
 *     client knows (2, else 1), from its dynamic field named by that u64, as Seal's SDKs do;
 *     key_type must be 0 and pk 96 bytes; Committee servers are refused (DAAS_EREMOTE);
 *   - an enum in contents.json is {"@variant": "Independent", "url": ...} (Sui GraphQL; the
 *     devnet renders the same) or, from other renderers, {"Independent": {"url": ...}};
 *   - the seal_approve PTB has every argument an Input: the inner id as Pure vector<u8>, the
 *     policy shared immutable at its isv, the ticket ImmOrOwned at its current version and
 *     digest, the Pool shared immutable, the Clock 0x6 shared immutable at version 1.
 * Spec:   move/README.md `secret_policy`; specs/seal.md §6.4, §6.8, §7.1.
 */
#include "sui/pkg_seal.h"

#include <string.h>

#include "common/util.h"
#include "sui/pkg_int.h"
#include "sui/ptb.h"
#include "sui/sui_int.h"

#define TRY(x) DAAS_SUI__TRY(x)

#define FIND_PAGE 50
#define FIND_PAGES 20        /* at most 1000 KeyServers of one owner are looked through */
#define MAX_APPROVE_IDS 100  /* Seal's MAX_COMMANDS */
#define KS_MODULE "key_server"
#define KS_CREATE "create_and_transfer_v2_independent_server"

static const uint8_t CLOCK[DAAS_SUI_ADDRESS_LEN] = {[31] = 6};
#define CLOCK_ISV 1

/* ---- JSON fields ---- */

/* A string field of at most max bytes (no NUL inside) into out (max + 1 bytes). */
static int field_str(const json_t *obj, const char *key, const char *what, size_t max, char *out,
                     daas_err *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return daas_pkg__bad_field(err, what, key);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return DAAS_OK;
}

/* key_type (a JSON integer) must be 0: Boneh-Franklin over BLS12-381. */
static int field_key_type(const json_t *obj, const char *what, daas_err *err)
{
    const json_t *v = json_object_get(obj, "key_type");
    uint64_t k = 1;
    if (!daas_json_u64(v, &k) || k != 0)
        return daas_pkg__bad_field(err, what, "key_type");
    return DAAS_OK;
}

/* The url of a V2 server_type: Independent only. */
static int server_url(const json_t *v2, daas_pkg_key_server *out, daas_err *err)
{
    const char *what = "KeyServerV2";
    const json_t *st = json_object_get(v2, "server_type");
    const char *variant = json_string_value(json_object_get(st, "@variant"));
    const json_t *fields = st;
    if (variant == NULL && json_is_object(json_object_get(st, "Independent"))) {
        variant = "Independent";
        fields = json_object_get(st, "Independent");
    }
    if (variant == NULL)
        return daas_pkg__bad_field(err, what, "server_type");
    if (strcmp(variant, "Independent") != 0)
        return daas_fail(err, DAAS_EREMOTE, "Seal package: a %.40s key server is not supported",
                         variant);
    return field_str(fields, "url", what, DAAS_PKG_KS_URL_MAX, out->url, err);
}

/* KeyServerV2 {name, key_type, pk, server_type} or KeyServerV1 {name, url, key_type, pk}. */
static int parse_version(const json_t *v, uint64_t version, daas_pkg_key_server *out,
                         daas_err *err)
{
    const char *what = version == 2 ? "KeyServerV2" : "KeyServerV1";
    int rc;
    TRY(field_str(v, "name", what, DAAS_PKG_KS_NAME_MAX, out->name, err));
    TRY(field_key_type(v, what, err));
    TRY(daas_pkg__field_bytes(v, "pk", what, out->pk, DAAS_PKG_SEAL_PK_LEN, err));
    if (version == 2)
        rc = server_url(v, out, err);
    else
        rc = field_str(v, "url", what, DAAS_PKG_KS_URL_MAX, out->url, err);
out:
    return rc;
}

/* The version to read: the highest of 2, 1 in [first, last]. */
static int pick_version(const json_t *ks, uint64_t *version, daas_err *err)
{
    uint64_t first, last;
    int rc = daas_pkg__field_u64(ks, "first_version", "KeyServer", &first, err);
    if (rc == DAAS_OK)
        rc = daas_pkg__field_u64(ks, "last_version", "KeyServer", &last, err);
    if (rc != DAAS_OK)
        return rc;
    for (*version = 2; *version >= 1; (*version)--)
        if (first <= *version && *version <= last)
            return DAAS_OK;
    return daas_fail(err, DAAS_EREMOTE,
                     "Seal package: KeyServer versions %llu..%llu are not supported (1, 2)",
                     (unsigned long long)first, (unsigned long long)last);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* ---- key servers ---- */

int daas_pkg_key_server_get(daas_sui_client *c, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                            daas_pkg_key_server *out, daas_err *err)
{
    daas_sui_object o = {0};
    json_t *v = NULL;
    uint64_t version;
    uint8_t name[8];
    daas_pkg_key_server ks;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc;
    memset(&ks, 0, sizeof ks);
    memcpy(ks.id, id, DAAS_SUI_ADDRESS_LEN);
    daas_sui_address_hex(id, hex);
    TRY(daas_sui_get_object(c, id, &o, err));
    if (!has_suffix(o.type, "::" KS_MODULE "::KeyServer")) {
        rc = daas_fail(err, DAAS_EREMOTE, "%s is not a Seal KeyServer (it is a %.100s)", hex,
                       o.type ? o.type : "(non-Move object)");
        goto out;
    }
    TRY(daas_pkg__check_id(o.json, "KeyServer", id, err));
    TRY(pick_version(o.json, &version, err));
    for (int i = 0; i < 8; i++)
        name[i] = (uint8_t)(version >> (8 * i));
    rc = daas_sui_dynamic_field(c, id, "u64", DAAS_BYTES(name, sizeof name), &v, err);
    if (rc == DAAS_ENOTFOUND)
        rc = daas_fail(err, DAAS_EREMOTE, "KeyServer %s has no version %llu field", hex,
                       (unsigned long long)version);
    if (rc != DAAS_OK)
        goto out;
    TRY(parse_version(v, version, &ks, err));
    *out = ks;
out:
    json_decref(v);
    daas_sui_object_fini(&o);
    return rc;
}

static bool text_ok(const char *s, size_t max)
{
    return s != NULL && s[0] != '\0' && strlen(s) <= max;
}

int daas_pkg_key_server_create(daas_sui_client *c, const daas_sui_key *key,
                               const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN], const char *name,
                               const char *url, const uint8_t pk[DAAS_PKG_SEAL_PK_LEN],
                               uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_exec_result r = {0};
    daas_sui_arg a[4];
    int rc;
    /* longer ones would be accepted by the chain but could not be read back here */
    if (!text_ok(name, DAAS_PKG_KS_NAME_MAX) || !text_ok(url, DAAS_PKG_KS_URL_MAX)) {
        rc = daas_fail(err, DAAS_EINVAL, "key server name must be 1..%d bytes, url 1..%d",
                       DAAS_PKG_KS_NAME_MAX, DAAS_PKG_KS_URL_MAX);
        goto out;
    }
    TRY(daas_sui_ptbb_pure_string(b, name, &a[0], err));
    TRY(daas_sui_ptbb_pure_string(b, url, &a[1], err));
    TRY(daas_sui_ptbb_pure_u8(b, 0, &a[2], err)); /* key type 0: BF-IBE over BLS12-381 */
    TRY(daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(pk, DAAS_PKG_SEAL_PK_LEN), &a[3], err));
    TRY(daas_pkg__call_run(c, key, b, seal_pkg, KS_MODULE, KS_CREATE, a, 4, 0, &r, err));
    rc = daas_pkg__created_id(seal_pkg, &r, KS_MODULE, "KeyServer", id_out, err);
out:
    daas_sui_exec_result_fini(&r);
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_key_server_set_url(daas_sui_client *c, const daas_sui_key *key,
                                const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN],
                                const uint8_t id[DAAS_SUI_ADDRESS_LEN], const char *url,
                                daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_exec_result r = {0};
    daas_sui_object o = {0};
    daas_sui_arg a[2];
    int rc;
    if (!text_ok(url, DAAS_PKG_KS_URL_MAX)) {
        rc = daas_fail(err, DAAS_EINVAL, "key server url must be 1..%d bytes",
                       DAAS_PKG_KS_URL_MAX);
        goto out;
    }
    TRY(daas_sui_get_object(c, id, &o, err)); /* its current version and digest */
    TRY(daas_sui_ptbb_object(b, &o.ref, &a[0], err));
    TRY(daas_sui_ptbb_pure_string(b, url, &a[1], err));
    rc = daas_pkg__call_run(c, key, b, seal_pkg, KS_MODULE, "update", a, 2, 0, &r, err);
out:
    daas_sui_object_fini(&o);
    daas_sui_exec_result_fini(&r);
    daas_sui_ptbb_free(&b);
    return rc;
}

/* Looks through one page of owned KeyServers for pk. *found set when id_out was written. */
static int find_in_page(daas_sui_client *c, const daas_sui_page *page,
                        const uint8_t pk[DAAS_PKG_SEAL_PK_LEN],
                        uint8_t id_out[DAAS_SUI_ADDRESS_LEN], bool *found, daas_err *err)
{
    for (size_t i = 0; i < page->n && !*found; i++) {
        daas_pkg_key_server ks;
        daas_err e = {0};
        int rc = daas_pkg_key_server_get(c, page->items[i].ref.id, &ks, &e);
        if (rc == DAAS_EREMOTE)
            continue; /* a server this client cannot use is not the one sought */
        if (rc != DAAS_OK)
            return daas_fail(err, rc, "%s", e.msg);
        *found = memcmp(ks.pk, pk, DAAS_PKG_SEAL_PK_LEN) == 0;
        if (*found)
            memcpy(id_out, ks.id, DAAS_SUI_ADDRESS_LEN);
    }
    return DAAS_OK;
}

int daas_pkg_key_server_find(daas_sui_client *c, const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN],
                             const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                             const uint8_t pk[DAAS_PKG_SEAL_PK_LEN],
                             uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    char *type = daas_pkg__type_of(seal_pkg, KS_MODULE, "KeyServer");
    char *cursor = NULL;
    bool found = false, more = true;
    int rc = DAAS_OK;
    for (int n = 0; rc == DAAS_OK && more && !found && n < FIND_PAGES; n++) {
        daas_sui_page page = {0};
        rc = daas_sui_owned_objects(c, owner, type, cursor, FIND_PAGE, &page, err);
        if (rc == DAAS_OK)
            rc = find_in_page(c, &page, pk, id_out, &found, err);
        more = page.has_next && page.cursor != NULL && page.n > 0;
        daas_free(cursor);
        cursor = page.cursor; /* take it */
        page.cursor = NULL;
        daas_sui_page_fini(&page);
    }
    if (rc == DAAS_OK && !found) {
        char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_address_hex(owner, hex);
        rc = daas_fail(err, DAAS_ENOTFOUND, "%s owns no Seal KeyServer with this public key", hex);
    }
    daas_free(cursor);
    daas_free(type);
    return rc;
}

/* ---- decryption policies ---- */

/* allowed_nodes: a JSON array of at most DAAS_PKG_POLICY_MAX_NODES addresses. */
static int field_nodes(const json_t *obj, daas_pkg_policy_params *p, daas_err *err)
{
    const json_t *v = json_object_get(obj, "allowed_nodes");
    size_t i;
    json_t *e;
    if (!json_is_array(v) || json_array_size(v) > DAAS_PKG_POLICY_MAX_NODES)
        return daas_pkg__bad_field(err, "DecryptionPolicy", "allowed_nodes");
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) ||
            daas_sui_address_parse(json_string_value(e), p->allowed[i], NULL) != DAAS_OK)
            return daas_pkg__bad_field(err, "DecryptionPolicy", "allowed_nodes");
    }
    p->nallowed = json_array_size(v);
    return DAAS_OK;
}

/* DecryptionPolicy {id, admin, required_stake, allowed_nodes, not_before_ms, not_after_ms,
 * max_uses, uses, ticket_ttl_ms} from o (shared). */
static int parse_policy(const daas_sui_object *o, daas_pkg_policy *out, daas_err *err)
{
    const char *w = "DecryptionPolicy";
    const json_t *j = o->json;
    daas_pkg_policy p;
    int rc;
    memset(&p, 0, sizeof p);
    memcpy(p.id, o->ref.id, DAAS_SUI_ADDRESS_LEN);
    if (o->owner_kind != DAAS_SUI_OWNER_SHARED)
        return daas_fail(err, DAAS_EREMOTE, "daas package: a DecryptionPolicy that is not shared");
    p.isv = o->initial_shared_version;
    TRY(daas_pkg__check_id(j, w, p.id, err));
    TRY(daas_pkg__field_addr(j, "admin", w, p.admin, err));
    TRY(daas_pkg__field_u64(j, "required_stake", w, &p.params.required_stake, err));
    TRY(field_nodes(j, &p.params, err));
    TRY(daas_pkg__field_u64(j, "not_before_ms", w, &p.params.not_before_ms, err));
    TRY(daas_pkg__field_u64(j, "not_after_ms", w, &p.params.not_after_ms, err));
    TRY(daas_pkg__field_u64(j, "max_uses", w, &p.params.max_uses, err));
    TRY(daas_pkg__field_u64(j, "uses", w, &p.uses, err));
    TRY(daas_pkg__field_u64(j, "ticket_ttl_ms", w, &p.params.ticket_ttl_ms, err));
    *out = p;
out:
    return rc;
}

int daas_pkg_policy_get(daas_sui_client *c, const daas_pkg *pkg,
                        const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_pkg_policy *out,
                        daas_err *err)
{
    daas_sui_object o = {0};
    char *want = daas_pkg__type_of(pkg->package, "secret_policy", "DecryptionPolicy");
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc;
    TRY(daas_sui_get_object(c, id, &o, err));
    if (o.type == NULL || strcmp(o.type, want) != 0) {
        daas_sui_address_hex(id, hex);
        rc = daas_fail(err, DAAS_EREMOTE, "%s is not the daas package's DecryptionPolicy "
                       "(it is a %.100s)", hex, o.type ? o.type : "(non-Move object)");
        goto out;
    }
    rc = parse_policy(&o, out, err);
out:
    daas_sui_object_fini(&o);
    daas_free(want);
    return rc;
}

/* The six parameters of create_policy as a[0..5]. */
static int param_args(daas_sui_ptbb *b, const daas_pkg_policy_params *p, daas_sui_arg a[6],
                      daas_err *err)
{
    daas_buf v;
    int rc;
    if (p->nallowed > DAAS_PKG_POLICY_MAX_NODES)
        return daas_fail(err, DAAS_EINVAL, "a policy allows at most %d nodes",
                         DAAS_PKG_POLICY_MAX_NODES);
    daas_buf_init(&v, 0);
    rc = daas_sui_bcs_put_len(&v, p->nallowed); /* vector<address> */
    for (size_t i = 0; rc == DAAS_OK && i < p->nallowed; i++)
        rc = daas_sui_bcs_put_addr(&v, p->allowed[i]);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_u64(b, p->required_stake, &a[0], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure(b, DAAS_BYTES(v.data, v.len), &a[1], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_u64(b, p->not_before_ms, &a[2], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_u64(b, p->not_after_ms, &a[3], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_u64(b, p->max_uses, &a[4], err);
    if (rc == DAAS_OK)
        rc = daas_sui_ptbb_pure_u64(b, p->ticket_ttl_ms, &a[5], err);
    daas_buf_fini(&v);
    return rc;
}

int daas_pkg_policy_create(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                           const daas_pkg_policy_params *p, uint8_t id_out[DAAS_SUI_ADDRESS_LEN],
                           daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_exec_result r = {0};
    daas_sui_arg a[6];
    int rc;
    TRY(param_args(b, p, a, err));
    TRY(daas_pkg__call_run(c, key, b, pkg->package, "secret_policy", "create_policy", a, 6, 0, &r,
                           err));
    rc = daas_pkg__created_id(pkg->package, &r, "secret_policy", "DecryptionPolicy", id_out, err);
out:
    daas_sui_exec_result_fini(&r);
    daas_sui_ptbb_free(&b);
    return rc;
}

int daas_pkg_policy_request_access(daas_sui_client *c, const daas_sui_key *key,
                                   const daas_pkg *pkg,
                                   const uint8_t policy[DAAS_SUI_ADDRESS_LEN],
                                   uint8_t ticket_out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_exec_result r = {0};
    daas_pkg_policy pol;
    daas_sui_arg a[3];
    int rc;
    TRY(daas_pkg_policy_get(c, pkg, policy, &pol, err));
    TRY(daas_sui_ptbb_shared(b, pol.id, pol.isv, true, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, false, &a[1], err));
    TRY(daas_sui_ptbb_shared(b, CLOCK, CLOCK_ISV, false, &a[2], err));
    TRY(daas_pkg__call_run(c, key, b, pkg->package, "secret_policy", "request_access", a, 3, 0,
                           &r, err));
    rc = daas_pkg__created_id(pkg->package, &r, "secret_policy", "AccessTicket", ticket_out, err);
out:
    daas_sui_exec_result_fini(&r);
    daas_sui_ptbb_free(&b);
    return rc;
}

/* ---- the seal_approve PTB ---- */

/* One seal_approve(id, policy, ticket, pool, clock) call; every argument an Input. */
static int approve_call(daas_sui_ptbb *b, const daas_pkg *pkg, const daas_pkg_policy *pol,
                        const daas_sui_objref *ticket, daas_bytes id, daas_err *err)
{
    daas_sui_arg a[5];
    int rc;
    TRY(daas_sui_ptbb_pure_bytes(b, id, &a[0], err));
    TRY(daas_sui_ptbb_shared(b, pol->id, pol->isv, false, &a[1], err));
    TRY(daas_sui_ptbb_object(b, ticket, &a[2], err));
    TRY(daas_sui_ptbb_shared(b, pkg->pool, pkg->pool_isv, false, &a[3], err));
    TRY(daas_sui_ptbb_shared(b, CLOCK, CLOCK_ISV, false, &a[4], err));
    rc = daas_sui_ptbb_move_call(b, pkg->package, "secret_policy", "seal_approve", NULL, 0, a, 5,
                                 NULL, err);
out:
    return rc;
}

int daas_pkg_policy_approve_ptb(daas_sui_client *c, const daas_pkg *pkg,
                                const daas_pkg_policy *pol,
                                const uint8_t ticket[DAAS_SUI_ADDRESS_LEN], const daas_bytes *ids,
                                size_t nids, daas_buf *out, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_object t = {0};
    daas_buf kind;
    size_t len0 = out->len;
    int rc;
    daas_buf_init(&kind, DAAS_SUI_TX_MAX_BYTES);
    if (nids == 0 || nids > MAX_APPROVE_IDS) {
        rc = daas_fail(err, DAAS_EINVAL, "seal_approve PTB: 1..%d ids", MAX_APPROVE_IDS);
        goto out;
    }
    TRY(daas_sui_get_object(c, ticket, &t, err)); /* its current version and digest */
    for (size_t i = 0; i < nids; i++)
        TRY(approve_call(b, pkg, pol, &t.ref, ids[i], err));
    TRY(daas_sui_tx_kind_encode(daas_sui_ptbb_ptb(b), &kind, err));
    /* SPEC: specs/seal.md §6.4: the TransactionKind tag (0, ProgrammableTransaction) is
     * stripped; what remains is BCS(ProgrammableTransaction) */
    if (DAAS_NEVER(kind.len < 1 || kind.data[0] != 0)) {
        rc = daas_fail(err, DAAS_EINTERNAL, "seal_approve PTB: unexpected TransactionKind");
        goto out;
    }
    rc = daas_buf_append(out, kind.data + 1, kind.len - 1);
    if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "seal_approve PTB: %zu bytes do not fit", kind.len - 1);
out:
    if (rc != DAAS_OK && out->data != NULL) {
        out->len = len0;
        out->data[len0] = '\0';
    }
    daas_buf_fini(&kind);
    daas_sui_object_fini(&t);
    daas_sui_ptbb_free(&b);
    return rc;
}
