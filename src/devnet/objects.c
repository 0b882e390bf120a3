/*
 * objects.c: the kinds of object the development chain stores: their canonical type text,
 * their contents.json, Sui's id derivations, and small byte helpers.
 *
 * Owns:   d->types (built once at open), the kind → renderer table.
 * Not:    the package's own layouts (pkg_staking.c, pkg_registry.c render those).
 * Invariants:
 *   - type text is canonical: addresses as 0x + 64 hex, parameters separated by ", " —
 *     exactly what daas_sui_typetag_format writes, so a filter normalised through
 *     daas_devnet__type_canon compares equal byte for byte;
 *   - u64 values appear in JSON as decimal strings, u8 as numbers, addresses as 0x hex, as
 *     Sui GraphQL's MoveValue.json does.
 * Spec:   specs/sui.md §5.2; Sui's ObjectID::derive_id and derive_dynamic_field_id.
 */
#include "devnet/devnet_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"

/* Short forms of each kind's type; "PKG" is replaced by the package address. */
static const char *const TYPE_FORMS[DN_K_COUNT] = {
    [DN_K_COIN] = "0x2::coin::Coin<0x2::sui::SUI>",
    [DN_K_POOL] = "PKG::staking::Pool",
    [DN_K_ADMINCAP] = "PKG::staking::AdminCap",
    [DN_K_REGISTRY] = "PKG::registry::Registry",
    [DN_K_STAKE_FIELD] = "0x2::dynamic_field::Field<address, PKG::staking::Stake>",
    [DN_K_NODE_FIELD] = "0x2::dynamic_field::Field<0x1::string::String, PKG::registry::NodeInfo>",
    [DN_K_ENCLAVE_CONFIG] = "PKG::enclave::EnclaveConfig",
    [DN_K_ENCLAVE] = "PKG::enclave::Enclave",
    [DN_K_POLICY] = "PKG::secret_policy::DecryptionPolicy",
    [DN_K_LEDGER] = "PKG::scheduling::Ledger",
    [DN_K_CLOCK] = "0x2::clock::Clock",
    [DN_K_NITRO_DOC] = "0x2::nitro_attestation::NitroAttestationDocument",
    [DN_K_TICKET] = "PKG::secret_policy::AccessTicket",
    [DN_K_KEY_SERVER] = DN_SEAL_PKG_TEXT "::key_server::KeyServer",
    [DN_K_KS_V2_FIELD] =
        "0x2::dynamic_field::Field<u64, " DN_SEAL_PKG_TEXT "::key_server::KeyServerV2>",
    [DN_K_RULES] = "PKG::cluster_rules::ClusterRules",
};

void daas_devnet__hex(const uint8_t a[DAAS_SUI_ADDRESS_LEN], char out[DAAS_SUI_ADDRESS_HEX_LEN + 1])
{
    daas_sui_address_hex(a, out);
}

/* Replaces every "PKG" in form by the package address and canonicalises the result. */
static char *expand(const daas_devnet *d, const char *form)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_buf b;
    char *out = NULL;
    daas_devnet__hex(d->pkg, pkg);
    daas_buf_init(&b, 4096);
    for (const char *p = form; *p != '\0';) {
        bool is_pkg = strncmp(p, "PKG", 3) == 0;
        int rc = is_pkg ? daas_buf_puts(&b, pkg) : daas_buf_append(&b, p, 1);
        if (DAAS_NEVER(rc != DAAS_OK))
            abort();
        p += is_pkg ? 3 : 1;
    }
    if (DAAS_NEVER(daas_devnet__type_canon(b.data, &out, NULL) != DAAS_OK))
        abort(); /* the forms above are constants */
    daas_buf_fini(&b);
    return out;
}

void daas_devnet__types_init(daas_devnet *d)
{
    for (int k = 1; k < DN_K_COUNT; k++)
        d->types[k] = expand(d, TYPE_FORMS[k]);
    d->t_stake = expand(d, "PKG::staking::Stake");
    d->t_nodeinfo = expand(d, "PKG::registry::NodeInfo");
    d->t_ksv2 = expand(d, DN_SEAL_PKG_TEXT "::key_server::KeyServerV2");
}

void daas_devnet__types_fini(daas_devnet *d)
{
    for (int k = 0; k < DN_K_COUNT; k++) {
        daas_free(d->types[k]);
        d->types[k] = NULL;
    }
    daas_free(d->t_stake);
    daas_free(d->t_nodeinfo);
    daas_free(d->t_ksv2);
    d->t_stake = d->t_nodeinfo = d->t_ksv2 = NULL;
}

dn_kind daas_devnet__kind_of(const daas_devnet *d, const char *type)
{
    for (int k = 1; k < DN_K_COUNT; k++)
        if (d->types[k] != NULL && type != NULL && strcmp(d->types[k], type) == 0)
            return (dn_kind)k;
    return DN_K_OTHER;
}

int daas_devnet__type_canon(const char *type, char **out, daas_err *err)
{
    daas_sui_typetag t;
    daas_buf b;
    *out = NULL;
    int rc = daas_sui_typetag_parse(type, &t, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&b, 4096);
    rc = daas_sui_typetag_format(&t, &b);
    daas_sui_typetag_fini(&t);
    if (rc != DAAS_OK) {
        daas_buf_fini(&b);
        return daas_fail(err, DAAS_EINVAL, "type %.60s...: too long", type);
    }
    *out = daas_buf_steal(&b, NULL);
    return DAAS_OK;
}

/* ---- JSON helpers and renderers ---- */

json_t *daas_devnet__json_addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet__hex(a, hex);
    return json_string(hex);
}

json_t *daas_devnet__json_u64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
    return json_string(s);
}

json_t *daas_devnet__json_b64(daas_bytes v)
{
    char *s = daas_base64_encode(v.ptr, v.len);
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

uint64_t daas_devnet__le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void daas_devnet__put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t daas_devnet__coin_value(const dn_obj *o)
{
    return o->bcs_len == DAAS_SUI_ADDRESS_LEN + 8 ? daas_devnet__le64(o->bcs + DAAS_SUI_ADDRESS_LEN)
                                                  : 0;
}

void daas_devnet__coin_set(dn_obj *o, uint64_t v)
{
    if (DAAS_NEVER(o->bcs_len != DAAS_SUI_ADDRESS_LEN + 8))
        return;
    daas_devnet__put_le64(o->bcs + DAAS_SUI_ADDRESS_LEN, v);
    o->written = true;
}

static json_t *render_coin(const uint8_t *bcs, size_t len)
{
    if (len != DAAS_SUI_ADDRESS_LEN + 8)
        return NULL;
    return json_pack("{s:o,s:o}", "id", daas_devnet__json_addr(bcs), "balance",
                     daas_devnet__json_u64(daas_devnet__le64(bcs + DAAS_SUI_ADDRESS_LEN)));
}

static json_t *render_uid(const uint8_t *bcs, size_t len)
{
    if (len != DAAS_SUI_ADDRESS_LEN)
        return NULL;
    return json_pack("{s:o}", "id", daas_devnet__json_addr(bcs));
}

typedef json_t *(*render_fn)(const uint8_t *bcs, size_t len);

static const render_fn RENDER[DN_K_COUNT] = {
    [DN_K_COIN] = render_coin,
    [DN_K_POOL] = daas_devnet__render_pool,
    [DN_K_ADMINCAP] = render_uid,
    [DN_K_REGISTRY] = daas_devnet__render_registry,
    [DN_K_STAKE_FIELD] = daas_devnet__render_stake_field,
    [DN_K_NODE_FIELD] = daas_devnet__render_node_field,
    [DN_K_ENCLAVE_CONFIG] = daas_devnet__render_enclave_config,
    [DN_K_ENCLAVE] = daas_devnet__render_enclave,
    [DN_K_LEDGER] = daas_devnet__render_ledger,
    [DN_K_POLICY] = daas_devnet__render_policy,
    [DN_K_TICKET] = daas_devnet__render_ticket,
    [DN_K_KEY_SERVER] = daas_devnet__render_key_server,
    [DN_K_KS_V2_FIELD] = daas_devnet__render_ksv2_field,
    [DN_K_RULES] = daas_devnet__render_rules,
};

json_t *daas_devnet__render(const daas_devnet *d, dn_kind kind, const uint8_t *bcs, size_t len)
{
    if (kind == DN_K_CLOCK)
        return daas_devnet__render_clock(d, bcs, len);
    if ((unsigned)kind >= DN_K_COUNT || RENDER[kind] == NULL)
        return NULL;
    return RENDER[kind](bcs, len);
}

/* ---- ids and digests ---- */

/* SPEC: Sui ObjectID::derive_id: BLAKE2b-256(0xf1 || tx digest || creation number LE). */
void daas_devnet__derive_id(const uint8_t digest[DAAS_SUI_DIGEST_LEN], uint64_t n,
                            uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    uint8_t scope = 0xf1, num[8];
    crypto_generichash_state st;
    daas_devnet__put_le64(num, n);
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_ADDRESS_LEN);
    crypto_generichash_update(&st, &scope, 1);
    crypto_generichash_update(&st, digest, DAAS_SUI_DIGEST_LEN);
    crypto_generichash_update(&st, num, sizeof(num));
    crypto_generichash_final(&st, out, DAAS_SUI_ADDRESS_LEN);
}

/* SPEC: Sui derive_dynamic_field_id: BLAKE2b-256(0xf0 || parent || len(key) u64 LE || key ||
 * BCS(key TypeTag)). */
int daas_devnet__field_id(const uint8_t parent[DAAS_SUI_ADDRESS_LEN], const char *key_type,
                          daas_bytes key_bcs, uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    daas_sui_typetag t;
    daas_buf tag;
    uint8_t scope = 0xf0, len[8];
    int rc = daas_sui_typetag_parse(key_type, &t, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&tag, 4096);
    rc = daas_sui_typetag_encode(&t, &tag, err);
    daas_sui_typetag_fini(&t);
    if (rc == DAAS_OK) {
        crypto_generichash_state st;
        daas_devnet__put_le64(len, key_bcs.len);
        crypto_generichash_init(&st, NULL, 0, DAAS_SUI_ADDRESS_LEN);
        crypto_generichash_update(&st, &scope, 1);
        crypto_generichash_update(&st, parent, DAAS_SUI_ADDRESS_LEN);
        crypto_generichash_update(&st, len, sizeof(len));
        if (key_bcs.len)
            crypto_generichash_update(&st, key_bcs.ptr, key_bcs.len);
        crypto_generichash_update(&st, (const uint8_t *)tag.data, tag.len);
        crypto_generichash_final(&st, out, DAAS_SUI_ADDRESS_LEN);
    }
    daas_buf_fini(&tag);
    return rc;
}

void daas_devnet__obj_digest(const char *type, const uint8_t *bcs, size_t len, uint64_t version,
                             uint8_t out[DAAS_SUI_DIGEST_LEN])
{
    uint8_t v[8];
    crypto_generichash_state st;
    daas_devnet__put_le64(v, version);
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_DIGEST_LEN);
    crypto_generichash_update(&st, (const uint8_t *)type, strlen(type));
    if (len)
        crypto_generichash_update(&st, bcs, len);
    crypto_generichash_update(&st, v, sizeof(v));
    crypto_generichash_final(&st, out, DAAS_SUI_DIGEST_LEN);
}

void daas_devnet__obj_fini(dn_obj *o)
{
    daas_free(o->type);
    daas_free(o->bcs);
    memset(o, 0, sizeof(*o));
}
