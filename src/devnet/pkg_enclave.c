/*
 * pkg_enclave.c: the `daas::enclave` and `daas::scheduling` modules natively (PCR configs,
 * attested enclave instances, the decision-batch Ledger), the framework's Clock object 0x6 and
 * the native 0x2::nitro_attestation::load_nitro_attestation, verified with daas's attestation
 * verifier (src/enclave/attest.h).
 *
 * Owns:   the BCS layouts below, their JSON, the modules' dispatch tables, the genesis Clock
 *         and Ledger.
 * Layout: EnclaveConfig = UID || name String || pcr0, pcr1, pcr2 vector<u8> || allow_debug bool
 *         || version u64.
 *         Enclave = UID || config ID || config_version u64 || public_key vector<u8> || owner
 *         address || registered_epoch u64 || next_seq u64.
 *         Ledger = UID || last_root vector<u8> || batches u64.
 *         Clock = UID (0x6) || timestamp_ms u64: the genesis time, as stored and shown (the
 *         devnet has no checkpoints to advance it, so its version stays 1); the functions
 *         that take &Clock read the chain's clock (dn_exec.ts_ms) instead.
 *         NitroAttestationDocument = module_id vector<u8> || timestamp u64 || digest vector<u8>
 *         || pcrs vector<PCREntry{index u8, value vector<u8>}> || public_key, user_data, nonce
 *         Option<vector<u8>> — a PTB value only (it has no UID and is never stored).
 * Invariants:
 *   - checks in the README's order, its abort codes; an abort leaves no effect;
 *   - load_nitro_attestation verifies at the chain's clock like Sui (debug documents signed
 *     through AWS included), plus debug documents chaining to the devnet's dev root when it
 *     was opened with one; a malformed document aborts EParseError (1), any other refusal
 *     EVerifyError (2), in module 0x2::nitro_attestation;
 *   - decision sequence numbers are per enclave: commit_batch takes the Enclave mutably and
 *     advances its next_seq (0 at registration); the Ledger keeps the last root and a count;
 *   - commit_batch's signature is pure Ed25519 over BCS(IntentMessage { intent 3,
 *     timestamp_ms, BatchRoot { root, first_seq, count } }).
 * Spec:   move/README.md "enclave", "scheduling"; specs/nautilus.md §1.3; Sui's
 *         nitro_attestation.move.
 */
#include "devnet/devnet_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "enclave/attest.h"

enum { EBadPcr = 1, EInvalidPcrs = 2, ENoPublicKey = 3, EDebugNotAllowed = 4 };
enum { EStaleEnclave = 1, EBadRoot = 2, EEmptyBatch = 3, ESeqGap = 4, EBadSignature = 5 };
enum { EParseError = 1, EVerifyError = 2 };

#define PCR_LEN 48
#define NAME_MAX_LEN DN_OBJ_BCS_MAX
#define KEY_MAX 1024
#define INTENT_BATCH_ROOT 3
#define FRAMEWORK "0000000000000000000000000000000000000000000000000000000000000002"

/* BCS writes to an uncapped buffer cannot fail. */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

typedef struct config {
    uint8_t id[32];
    daas_bytes name, pcr[3]; /* point into the object's bytes */
    bool allow_debug;
    uint64_t version;
} config;

typedef struct enclave {
    uint8_t id[32], config[32], owner[32];
    uint64_t config_version, registered_epoch, next_seq;
    daas_bytes public_key; /* points into the object's bytes (or a copy) */
} enclave;

typedef struct ledger {
    uint8_t id[32];
    uint64_t batches;
    daas_bytes last_root; /* points into the object's bytes */
} ledger;

static bool config_read(const uint8_t *b, size_t len, config *c)
{
    daas_sui_bcs_reader r;
    const uint8_t *p;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    bool ok = daas_sui_bcs_get_fixed(&r, "id", 32, &p, NULL) == DAAS_OK &&
              (memcpy(c->id, p, 32), true) &&
              daas_sui_bcs_get_str(&r, "name", NAME_MAX_LEN, &c->name, NULL) == DAAS_OK;
    for (int i = 0; i < 3 && ok; i++)
        ok = daas_sui_bcs_get_bytes(&r, "pcr", PCR_LEN, &c->pcr[i], NULL) == DAAS_OK;
    return ok && daas_sui_bcs_get_bool(&r, "allow_debug", &c->allow_debug, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "version", &c->version, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "config", NULL) == DAAS_OK;
}

static void config_encode(const config *c, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, c->id));
    PUT(daas_sui_bcs_put_bytes(b, c->name.ptr, c->name.len));
    for (int i = 0; i < 3; i++)
        PUT(daas_sui_bcs_put_bytes(b, c->pcr[i].ptr, c->pcr[i].len));
    PUT(daas_sui_bcs_put_bool(b, c->allow_debug));
    PUT(daas_sui_bcs_put_u64(b, c->version));
}

static bool enclave_read(const uint8_t *b, size_t len, enclave *e)
{
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    return daas_sui_bcs_get_addr(&r, "id", e->id, NULL) == DAAS_OK &&
           daas_sui_bcs_get_addr(&r, "config", e->config, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "config_version", &e->config_version, NULL) == DAAS_OK &&
           daas_sui_bcs_get_bytes(&r, "public_key", KEY_MAX, &e->public_key, NULL) == DAAS_OK &&
           daas_sui_bcs_get_addr(&r, "owner", e->owner, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "epoch", &e->registered_epoch, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "next_seq", &e->next_seq, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "enclave", NULL) == DAAS_OK;
}

static void enclave_encode(const enclave *e, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, e->id));
    PUT(daas_sui_bcs_put_addr(b, e->config));
    PUT(daas_sui_bcs_put_u64(b, e->config_version));
    PUT(daas_sui_bcs_put_bytes(b, e->public_key.ptr, e->public_key.len));
    PUT(daas_sui_bcs_put_addr(b, e->owner));
    PUT(daas_sui_bcs_put_u64(b, e->registered_epoch));
    PUT(daas_sui_bcs_put_u64(b, e->next_seq));
}

static bool ledger_read(const uint8_t *b, size_t len, ledger *l)
{
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    return daas_sui_bcs_get_addr(&r, "id", l->id, NULL) == DAAS_OK &&
           daas_sui_bcs_get_bytes(&r, "last_root", 32, &l->last_root, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "batches", &l->batches, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "ledger", NULL) == DAAS_OK;
}

static void ledger_encode(const ledger *l, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, l->id));
    PUT(daas_sui_bcs_put_bytes(b, l->last_root.ptr, l->last_root.len));
    PUT(daas_sui_bcs_put_u64(b, l->batches));
}

/* ---- JSON (vector<u8> as base64, as the package's other events) ---- */

json_t *daas_devnet__render_enclave_config(const uint8_t *bcs, size_t len)
{
    config c;
    if (!config_read(bcs, len, &c))
        return NULL;
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "id", daas_devnet__json_addr(c.id), "name",
                     json_stringn((const char *)c.name.ptr, c.name.len), "pcr0", daas_devnet__json_b64(c.pcr[0]),
                     "pcr1", daas_devnet__json_b64(c.pcr[1]), "pcr2", daas_devnet__json_b64(c.pcr[2]), "allow_debug",
                     c.allow_debug, "version", daas_devnet__json_u64(c.version));
}

json_t *daas_devnet__render_enclave(const uint8_t *bcs, size_t len)
{
    enclave e;
    if (!enclave_read(bcs, len, &e))
        return NULL;
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", daas_devnet__json_addr(e.id),
                     "config", daas_devnet__json_addr(e.config), "config_version",
                     daas_devnet__json_u64(e.config_version), "public_key", daas_devnet__json_b64(e.public_key),
                     "owner", daas_devnet__json_addr(e.owner), "registered_epoch",
                     daas_devnet__json_u64(e.registered_epoch), "next_seq",
                     daas_devnet__json_u64(e.next_seq));
}

json_t *daas_devnet__render_ledger(const uint8_t *bcs, size_t len)
{
    ledger l;
    if (!ledger_read(bcs, len, &l))
        return NULL;
    return json_pack("{s:o,s:o,s:o}", "id", daas_devnet__json_addr(l.id), "last_root",
                     daas_devnet__json_b64(l.last_root), "batches", daas_devnet__json_u64(l.batches));
}

json_t *daas_devnet__render_clock(const daas_devnet *d, const uint8_t *bcs, size_t len)
{
    (void)d;
    if (len != 32 + 8)
        return NULL;
    return json_pack("{s:o,s:o}", "id", daas_devnet__json_addr(bcs), "timestamp_ms",
                     daas_devnet__json_u64(daas_devnet__le64(bcs + 32)));
}

/* ---- genesis ---- */

int daas_devnet__enclave_genesis(dn_exec *ex, daas_err *err)
{
    uint8_t clock[32 + 8] = {0}, id[32] = {0};
    ledger l = {.last_root = DAAS_BYTES(NULL, 0)};
    daas_buf b;
    (void)err;
    id[31] = 6; /* SUI_CLOCK_OBJECT_ID */
    daas_devnet__put_le64(clock + 32, (uint64_t)ex->d->genesis_ms);
    daas_devnet__obj_new(ex, DN_K_CLOCK, id, clock, sizeof(clock), DAAS_SUI_OWNER_SHARED, NULL);
    daas_buf_init(&b, 0);
    ledger_encode(&l, &b);
    daas_devnet__obj_new(ex, DN_K_LEDGER, NULL, (const uint8_t *)b.data, b.len,
                         DAAS_SUI_OWNER_SHARED, NULL);
    daas_buf_fini(&b);
    return DAAS_OK;
}

/* ---- 0x2::nitro_attestation ---- */

/* SPEC: a native's abort is reported at its caller, load_nitro_attestation (index 0). */
static int nitro_abort(dn_exec *ex, uint64_t code)
{
    if (ex->fail != NULL)
        return DAAS_EFAILED;
    (void)daas_devnet__fail(ex,
                            "MoveAbort(MoveLocation { module: ModuleId { address: %s, name: "
                            "Identifier(\"nitro_attestation\") }, function: 0, instruction: 3, "
                            "function_name: Some(\"load_nitro_attestation\") }, %llu) in "
                            "command %zu",
                            FRAMEWORK, (unsigned long long)code, ex->cmd);
    ex->abort_module = daas_xstrdup("0x" FRAMEWORK "::nitro_attestation");
    ex->abort_function = daas_xstrdup("load_nitro_attestation");
    ex->has_abort = true;
    ex->abort_code = code;
    return DAAS_EFAILED;
}

static void put_opt(daas_buf *b, bool some, daas_bytes v)
{
    PUT(daas_sui_bcs_put_option(b, some));
    if (some)
        PUT(daas_sui_bcs_put_bytes(b, v.ptr, v.len));
}

/* The Move value NitroAttestationDocument of a verified document (Sui's field order). */
static void doc_encode(const daas_attest_doc *doc, daas_buf *b)
{
    uint8_t idx[DAAS_ATTEST_MAX_PCRS];
    size_t n = daas_attest_sui_pcrs(doc, idx);
    PUT(daas_sui_bcs_put_bytes(b, (const uint8_t *)doc->module_id, strlen(doc->module_id)));
    PUT(daas_sui_bcs_put_u64(b, doc->timestamp_ms));
    PUT(daas_sui_bcs_put_bytes(b, (const uint8_t *)doc->digest, strlen(doc->digest)));
    PUT(daas_sui_bcs_put_len(b, n));
    for (size_t i = 0; i < n; i++) {
        const daas_attest_pcr *p = &doc->pcrs[idx[i]];
        PUT(daas_sui_bcs_put_u8(b, idx[i]));
        PUT(daas_sui_bcs_put_bytes(b, p->value, p->len));
    }
    put_opt(b, doc->has_public_key, doc->public_key);
    put_opt(b, doc->has_user_data, doc->user_data);
    put_opt(b, doc->has_nonce, doc->nonce);
}

/* load_nitro_attestation(document: vector<u8>, clock: &Clock): NitroAttestationDocument */
static int fn_load_nitro(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    daas_attest_doc doc;
    daas_err verr = {0};
    daas_buf b;
    daas_attest_policy pol = {.now_ms = ex->ts_ms < 0 ? 0 : ex->ts_ms,
                              .allow_debug = true, /* Sui accepts debug documents too */
                              .debug_root = ex->d->dev_root};
    (void)err;
    memset(&doc, 0, sizeof(doc));
    int rc = daas_attest_verify(a[0].bytes.ptr, a[0].bytes.len, &pol, &doc, &verr);
    if (rc != DAAS_OK)
        return nitro_abort(ex, rc == DAAS_EINVAL ? EParseError : EVerifyError);
    daas_buf_init(&b, 0);
    doc_encode(&doc, &b);
    daas_attest_doc_fini(&doc);
    int k = daas_devnet__obj_add(ex);
    dn_obj *o = &ex->objs[k];
    o->kind = DN_K_NITRO_DOC;
    o->type = daas_xstrdup(ex->d->types[DN_K_NITRO_DOC]);
    o->bcs = (uint8_t *)daas_buf_steal(&b, &o->bcs_len);
    o->deleted = true; /* a value, not an object: never stored, never found by id */
    ret->n = 1;
    ret->has_obj = true;
    ret->obj = k;
    return DAAS_OK;
}

const dn_fn daas_devnet__nitro_fns[] = {
    {"nitro_attestation",
     "load_nitro_attestation",
     0,
     2,
     {{DN_P_BYTES, 0}, {DN_P_REF, DN_K_CLOCK}},
     fn_load_nitro},
};
const size_t daas_devnet__nitro_n = sizeof(daas_devnet__nitro_fns) / sizeof(dn_fn);

/* ---- enclave ---- */

static void emit(dn_exec *ex, const char *module, const char *name, daas_buf *b, json_t *j)
{
    daas_devnet__emit(ex, module, name, b, j);
    daas_buf_fini(b);
}

static void emit_config_changed(dn_exec *ex, const config *c)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    PUT(daas_sui_bcs_put_addr(&b, c->id));
    PUT(daas_sui_bcs_put_u64(&b, c->version));
    for (int i = 0; i < 3; i++)
        PUT(daas_sui_bcs_put_bytes(&b, c->pcr[i].ptr, c->pcr[i].len));
    PUT(daas_sui_bcs_put_bool(&b, c->allow_debug));
    emit(ex, "enclave", "ConfigChanged", &b,
         json_pack("{s:o,s:o,s:o,s:o,s:o,s:b}", "config", daas_devnet__json_addr(c->id), "version",
                   daas_devnet__json_u64(c->version), "pcr0", daas_devnet__json_b64(c->pcr[0]), "pcr1",
                   daas_devnet__json_b64(c->pcr[1]), "pcr2", daas_devnet__json_b64(c->pcr[2]), "allow_debug",
                   c->allow_debug));
}

static bool pcrs_ok(const dn_arg *pcrs)
{
    return pcrs[0].bytes.len == PCR_LEN && pcrs[1].bytes.len == PCR_LEN &&
           pcrs[2].bytes.len == PCR_LEN;
}

/* create_config(&AdminCap, name, pcr0, pcr1, pcr2, allow_debug) */
static int fn_create_config(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    config c = {.name = a[1].bytes, .allow_debug = a[5].u != 0, .version = 0};
    daas_buf b;
    (void)ret, (void)err;
    if (!pcrs_ok(&a[2]))
        return daas_devnet__abort(ex, "enclave", "create_config", 0, EBadPcr);
    for (int i = 0; i < 3; i++)
        c.pcr[i] = a[2 + i].bytes;
    daas_buf_init(&b, 0);
    config_encode(&c, &b); /* the UID is filled in by obj_new */
    int k = daas_devnet__obj_new(ex, DN_K_ENCLAVE_CONFIG, NULL, (const uint8_t *)b.data, b.len,
                                 DAAS_SUI_OWNER_SHARED, NULL);
    daas_buf_fini(&b);
    memcpy(c.id, ex->objs[k].id, 32);
    emit_config_changed(ex, &c);
    return DAAS_OK;
}

static int corrupt(daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EIO, "devnet: corrupt %s", what);
}

/* update_config(&AdminCap, &mut EnclaveConfig, pcr0, pcr1, pcr2, allow_debug) */
static int fn_update_config(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    config c;
    daas_buf b;
    (void)ret;
    if (!config_read(ex->objs[a[1].obj].bcs, ex->objs[a[1].obj].bcs_len, &c))
        return corrupt(err, "EnclaveConfig");
    if (!pcrs_ok(&a[2]))
        return daas_devnet__abort(ex, "enclave", "update_config", 1, EBadPcr);
    for (int i = 0; i < 3; i++)
        c.pcr[i] = a[2 + i].bytes;
    c.allow_debug = a[5].u != 0;
    c.version++;
    daas_buf_init(&b, 0);
    config_encode(&c, &b); /* c.name points into the old bytes: encode before replacing */
    daas_devnet__obj_set(ex, a[1].obj, (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    emit_config_changed(ex, &c);
    return DAAS_OK;
}

/* The parts of a NitroAttestationDocument register needs. */
typedef struct doc_view {
    daas_bytes pcr[3]; /* empty when absent */
    bool has_key;
    daas_bytes key;
} doc_view;

static bool skip_bytes(daas_sui_bcs_reader *r)
{
    daas_bytes v;
    return daas_sui_bcs_get_bytes(r, "doc", DAAS_ATTEST_MAX_DOC, &v, NULL) == DAAS_OK;
}

static bool doc_read(const uint8_t *b, size_t len, doc_view *v)
{
    daas_sui_bcs_reader r;
    uint64_t ts;
    size_t n;
    memset(v, 0, sizeof(*v));
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    if (!skip_bytes(&r) || daas_sui_bcs_get_u64(&r, "ts", &ts, NULL) != DAAS_OK ||
        !skip_bytes(&r) ||
        daas_sui_bcs_get_len(&r, "pcrs", DAAS_ATTEST_MAX_PCRS, 2, &n, NULL) != DAAS_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t idx;
        daas_bytes val;
        if (daas_sui_bcs_get_u8(&r, "index", &idx, NULL) != DAAS_OK ||
            daas_sui_bcs_get_bytes(&r, "value", DAAS_ATTEST_MAX_PCR_LEN, &val, NULL) != DAAS_OK)
            return false;
        if (idx < 3)
            v->pcr[idx] = val;
    }
    if (daas_sui_bcs_get_option(&r, "public_key", &v->has_key, NULL) != DAAS_OK)
        return false;
    return !v->has_key ||
           daas_sui_bcs_get_bytes(&r, "public_key", KEY_MAX, &v->key, NULL) == DAAS_OK;
}

/* A PCR value that is present and all zero. */
static bool zero_pcr(daas_bytes v)
{
    if (v.len == 0)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] != 0)
            return false;
    return true;
}

static bool bytes_eq(daas_bytes x, daas_bytes y)
{
    return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

static void emit_registered(dn_exec *ex, const enclave *e)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    PUT(daas_sui_bcs_put_addr(&b, e->id));
    PUT(daas_sui_bcs_put_addr(&b, e->config));
    PUT(daas_sui_bcs_put_u64(&b, e->config_version));
    PUT(daas_sui_bcs_put_bytes(&b, e->public_key.ptr, e->public_key.len));
    PUT(daas_sui_bcs_put_addr(&b, e->owner));
    emit(ex, "enclave", "EnclaveRegistered", &b,
         json_pack("{s:o,s:o,s:o,s:o,s:o}", "enclave", daas_devnet__json_addr(e->id), "config",
                   daas_devnet__json_addr(e->config), "config_version",
                   daas_devnet__json_u64(e->config_version), "public_key", daas_devnet__json_b64(e->public_key),
                   "owner", daas_devnet__json_addr(e->owner)));
}

/* The checks of register, in the README's order: 0 when they pass, else the abort code. */
static uint64_t register_check(const config *c, const doc_view *v)
{
    if (zero_pcr(v->pcr[0]) && zero_pcr(v->pcr[1]) && zero_pcr(v->pcr[2]) && !c->allow_debug)
        return EDebugNotAllowed;
    for (int i = 0; i < 3; i++)
        if (!bytes_eq(v->pcr[i], c->pcr[i]))
            return EInvalidPcrs;
    if (!v->has_key || v->key.len != 32)
        return ENoPublicKey;
    return 0;
}

/* register(&EnclaveConfig, NitroAttestationDocument) */
static int fn_register(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    config c;
    doc_view v;
    enclave e;
    daas_buf b;
    (void)ret;
    const dn_obj *co = &ex->objs[a[0].obj], *doc = &ex->objs[a[1].obj];
    if (!config_read(co->bcs, co->bcs_len, &c))
        return corrupt(err, "EnclaveConfig");
    if (!doc_read(doc->bcs, doc->bcs_len, &v))
        return corrupt(err, "NitroAttestationDocument");
    uint64_t code = register_check(&c, &v);
    if (code != 0)
        return daas_devnet__abort(ex, "enclave", "register", 2, code);
    memset(&e, 0, sizeof(e));
    memcpy(e.config, c.id, 32);
    e.config_version = c.version;
    e.public_key = v.key;
    memcpy(e.owner, ex->tx->sender, 32);
    e.registered_epoch = ex->epoch;
    e.next_seq = 0;
    daas_buf_init(&b, 0);
    enclave_encode(&e, &b); /* the UID is filled in by obj_new */
    /* obj_new may move ex->objs: e.public_key points into the document, copy it first */
    uint8_t key[32];
    memcpy(key, v.key.ptr, 32);
    e.public_key = DAAS_BYTES(key, 32);
    int k = daas_devnet__obj_new(ex, DN_K_ENCLAVE, NULL, (const uint8_t *)b.data, b.len,
                                 DAAS_SUI_OWNER_SHARED, NULL);
    daas_buf_fini(&b);
    memcpy(e.id, ex->objs[k].id, 32);
    emit_registered(ex, &e);
    return DAAS_OK;
}

/* ---- scheduling ---- */

/* verify_signature(enclave, intent, timestamp_ms, BatchRoot { root, first_seq, count }, sig) */
static bool batch_sig_ok(const enclave *e, uint64_t ts, daas_bytes root, uint64_t first_seq,
                         uint64_t count, daas_bytes sig)
{
    daas_buf m;
    if (e->public_key.len != crypto_sign_PUBLICKEYBYTES || sig.len != crypto_sign_BYTES)
        return false;
    daas_buf_init(&m, 0);
    PUT(daas_sui_bcs_put_u8(&m, INTENT_BATCH_ROOT));
    PUT(daas_sui_bcs_put_u64(&m, ts));
    PUT(daas_sui_bcs_put_bytes(&m, root.ptr, root.len));
    PUT(daas_sui_bcs_put_u64(&m, first_seq));
    PUT(daas_sui_bcs_put_u64(&m, count));
    bool ok = crypto_sign_verify_detached(sig.ptr, (const uint8_t *)m.data, m.len,
                                          e->public_key.ptr) == 0;
    daas_buf_fini(&m);
    return ok;
}

/* The checks of commit_batch in the README's order: 0 when they pass, else the abort code. */
static uint64_t commit_check(const config *c, const enclave *e, const dn_arg *a)
{
    if (memcmp(e->config, c->id, 32) != 0 || e->config_version != c->version)
        return EStaleEnclave;
    if (a[3].bytes.len != 32)
        return EBadRoot;
    if (a[5].u == 0)
        return EEmptyBatch;
    if (a[4].u != e->next_seq)
        return ESeqGap;
    if (!batch_sig_ok(e, a[6].u, a[3].bytes, a[4].u, a[5].u, a[7].bytes))
        return EBadSignature;
    return 0;
}

static void emit_committed(dn_exec *ex, const enclave *e, const dn_arg *a)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    PUT(daas_sui_bcs_put_addr(&b, e->id));
    PUT(daas_sui_bcs_put_bytes(&b, a[3].bytes.ptr, a[3].bytes.len));
    PUT(daas_sui_bcs_put_u64(&b, a[4].u));
    PUT(daas_sui_bcs_put_u64(&b, a[5].u));
    PUT(daas_sui_bcs_put_u64(&b, a[6].u));
    emit(ex, "scheduling", "BatchCommitted", &b,
         json_pack("{s:o,s:o,s:o,s:o,s:o}", "enclave", daas_devnet__json_addr(e->id), "root",
                   daas_devnet__json_b64(a[3].bytes), "first_seq", daas_devnet__json_u64(a[4].u), "count",
                   daas_devnet__json_u64(a[5].u), "timestamp_ms", daas_devnet__json_u64(a[6].u)));
}

/* Replaces object i's bytes with b's and releases b. */
static void store(dn_exec *ex, int i, daas_buf *b)
{
    daas_devnet__obj_set(ex, i, (const uint8_t *)b->data, b->len);
    daas_buf_fini(b);
}

/* commit_batch(&mut Ledger, &EnclaveConfig, &mut Enclave, root, first_seq, count,
 * timestamp_ms, signature) */
static int fn_commit_batch(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    ledger l;
    config c;
    enclave e;
    daas_buf lb, eb;
    (void)ret;
    const dn_obj *lo = &ex->objs[a[0].obj], *co = &ex->objs[a[1].obj], *eo = &ex->objs[a[2].obj];
    if (!ledger_read(lo->bcs, lo->bcs_len, &l) || !config_read(co->bcs, co->bcs_len, &c) ||
        !enclave_read(eo->bcs, eo->bcs_len, &e))
        return corrupt(err, "Ledger, EnclaveConfig or Enclave");
    uint64_t code = commit_check(&c, &e, a);
    if (code != 0)
        return daas_devnet__abort(ex, "scheduling", "commit_batch", 0, code);
    if (a[5].u > UINT64_MAX - a[4].u) /* Move's u64 addition aborts on overflow */
        return daas_devnet__fail(ex, "MovePrimitiveRuntimeError in command %zu", ex->cmd);
    e.next_seq = a[4].u + a[5].u;
    l.last_root = a[3].bytes;
    l.batches++;
    /* both encoded before either is replaced: e.public_key points into the Enclave's bytes */
    daas_buf_init(&eb, 0);
    enclave_encode(&e, &eb);
    daas_buf_init(&lb, 0);
    ledger_encode(&l, &lb);
    store(ex, a[2].obj, &eb);
    store(ex, a[0].obj, &lb);
    emit_committed(ex, &e, a);
    return DAAS_OK;
}

#define B DN_PARAM_BYTES
#define U64 DN_PARAM_U64

const dn_fn daas_devnet__enclave_fns[] = {
    {"enclave",
     "create_config",
     0,
     6,
     {{DN_P_REF, DN_K_ADMINCAP}, {DN_P_STRING, 0}, B, B, B, {DN_P_BOOL, 0}},
     fn_create_config},
    {"enclave",
     "update_config",
     1,
     6,
     {{DN_P_REF, DN_K_ADMINCAP}, {DN_P_MUT, DN_K_ENCLAVE_CONFIG}, B, B, B, {DN_P_BOOL, 0}},
     fn_update_config},
    {"enclave",
     "register",
     2,
     2,
     {{DN_P_REF, DN_K_ENCLAVE_CONFIG}, {DN_P_VAL, DN_K_NITRO_DOC}},
     fn_register},
    {"scheduling",
     "commit_batch",
     0,
     8,
     {{DN_P_MUT, DN_K_LEDGER},
      {DN_P_REF, DN_K_ENCLAVE_CONFIG},
      {DN_P_MUT, DN_K_ENCLAVE},
      B,
      U64,
      U64,
      U64,
      B},
     fn_commit_batch},
};
const size_t daas_devnet__enclave_n = sizeof(daas_devnet__enclave_fns) / sizeof(dn_fn);
