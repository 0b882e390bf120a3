/*
 * pkg_policy.c: the `daas::secret_policy` module natively: decryption policies for Seal
 * (who may obtain a key for a sealed secret, when, how often) and the access tickets that
 * request_access hands out to anyone and seal_approve checks.
 *
 * Owns:   the BCS layouts below, their JSON, the module's dispatch table.
 * Layout: DecryptionPolicy = UID || admin address || required_stake u64 || allowed_nodes
 *         vector<address> || not_before_ms u64 || not_after_ms u64 || max_uses u64 || uses u64
 *         || ticket_ttl_ms u64.
 *         AccessTicket = UID || policy ID || holder address || number u64 || expires_ms u64
 *         (112 bytes); number: the policy's uses once the ticket was issued (1 for the first).
 * Invariants:
 *   - request_access checks no rule (it counts and numbers tickets); seal_approve checks them
 *     all, in the README's order, one abort code per rule, so that the refusals come from the
 *     Seal key servers' dry run; an abort leaves no effect;
 *   - seal_approve has no effect at all (Seal key servers dry-run it): it only reads;
 *   - the stake of an address is its entry's amount in the Pool, 0 when it has none or was
 *     slashed (daas_devnet__staked_amount);
 *   - "now" is the chain's clock (dn_exec.ts_ms), what &Clock reads.
 * Spec:   move/README.md "secret_policy"; specs/seal.md §6.8 (the seal_approve convention).
 */
#include "devnet/devnet_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

enum {
    ENotAdmin = 1,
    EBadParams = 2,
    EInsufficientStake = 3,
    ENotAllowed = 4,
    EOutsideWindow = 5,
    EUsageLimit = 6,
    EWrongId = 7,
    EBadTicket = 8,
    ETicketExpired = 9
};

#define MAX_NODES 64                    /* allowed_nodes longer than this: EBadParams */
#define MAX_TTL_MS 31536000000ull       /* 365 days: the longest ticket lifetime */
#define TICKET_LEN (32 + 32 + 32 + 8 + 8)

/* BCS writes to an uncapped buffer cannot fail. */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

typedef struct params {
    uint64_t required_stake;
    daas_bytes allowed; /* n × 32 bytes (points into an argument or the object's bytes) */
    uint64_t not_before_ms, not_after_ms, max_uses, ticket_ttl_ms;
} params;

typedef struct policy {
    uint8_t id[32], admin[32];
    params p;
    uint64_t uses;
} policy;

typedef struct ticket {
    uint8_t id[32], policy[32], holder[32];
    uint64_t number, expires_ms;
} ticket;

static bool policy_read(const uint8_t *b, size_t len, policy *pol)
{
    daas_sui_bcs_reader r;
    size_t n;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(b, len));
    bool ok = daas_sui_bcs_get_addr(&r, "id", pol->id, NULL) == DAAS_OK &&
              daas_sui_bcs_get_addr(&r, "admin", pol->admin, NULL) == DAAS_OK &&
              daas_sui_bcs_get_u64(&r, "stake", &pol->p.required_stake, NULL) == DAAS_OK &&
              daas_sui_bcs_get_len(&r, "nodes", MAX_NODES, 32, &n, NULL) == DAAS_OK &&
              len - r.pos >= n * 32;
    if (!ok)
        return false;
    pol->p.allowed = DAAS_BYTES(b + r.pos, n * 32);
    r.pos += n * 32;
    return daas_sui_bcs_get_u64(&r, "not_before", &pol->p.not_before_ms, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "not_after", &pol->p.not_after_ms, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "max_uses", &pol->p.max_uses, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "uses", &pol->uses, NULL) == DAAS_OK &&
           daas_sui_bcs_get_u64(&r, "ttl", &pol->p.ticket_ttl_ms, NULL) == DAAS_OK &&
           daas_sui_bcs_get_end(&r, "policy", NULL) == DAAS_OK;
}

static void policy_encode(const policy *pol, daas_buf *b)
{
    PUT(daas_sui_bcs_put_addr(b, pol->id));
    PUT(daas_sui_bcs_put_addr(b, pol->admin));
    PUT(daas_sui_bcs_put_u64(b, pol->p.required_stake));
    PUT(daas_sui_bcs_put_len(b, pol->p.allowed.len / 32));
    if (pol->p.allowed.len)
        PUT(daas_buf_append(b, pol->p.allowed.ptr, pol->p.allowed.len));
    PUT(daas_sui_bcs_put_u64(b, pol->p.not_before_ms));
    PUT(daas_sui_bcs_put_u64(b, pol->p.not_after_ms));
    PUT(daas_sui_bcs_put_u64(b, pol->p.max_uses));
    PUT(daas_sui_bcs_put_u64(b, pol->uses));
    PUT(daas_sui_bcs_put_u64(b, pol->p.ticket_ttl_ms));
}

static bool ticket_read(const uint8_t *b, size_t len, ticket *t)
{
    if (len != TICKET_LEN)
        return false;
    memcpy(t->id, b, 32);
    memcpy(t->policy, b + 32, 32);
    memcpy(t->holder, b + 64, 32);
    t->number = daas_devnet__le64(b + 96);
    t->expires_ms = daas_devnet__le64(b + 104);
    return true;
}

/* ---- JSON ---- */

json_t *daas_devnet__render_policy(const uint8_t *bcs, size_t len)
{
    policy pol;
    if (!policy_read(bcs, len, &pol))
        return NULL;
    json_t *nodes = json_array();
    for (size_t i = 0; i < pol.p.allowed.len; i += 32)
        json_array_append_new(nodes, daas_devnet__json_addr(pol.p.allowed.ptr + i));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", daas_devnet__json_addr(pol.id),
                     "admin", daas_devnet__json_addr(pol.admin), "required_stake",
                     daas_devnet__json_u64(pol.p.required_stake), "allowed_nodes", nodes,
                     "not_before_ms", daas_devnet__json_u64(pol.p.not_before_ms), "not_after_ms",
                     daas_devnet__json_u64(pol.p.not_after_ms), "max_uses",
                     daas_devnet__json_u64(pol.p.max_uses), "uses",
                     daas_devnet__json_u64(pol.uses), "ticket_ttl_ms",
                     daas_devnet__json_u64(pol.p.ticket_ttl_ms));
}

json_t *daas_devnet__render_ticket(const uint8_t *bcs, size_t len)
{
    ticket t;
    if (!ticket_read(bcs, len, &t))
        return NULL;
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "id", daas_devnet__json_addr(t.id), "policy",
                     daas_devnet__json_addr(t.policy), "holder", daas_devnet__json_addr(t.holder),
                     "number", daas_devnet__json_u64(t.number), "expires_ms",
                     daas_devnet__json_u64(t.expires_ms));
}

/* ---- the rules ---- */

/* create_policy / update_policy arguments a[0..5] are well formed. */
static bool params_ok(const params *p)
{
    return p->allowed.len / 32 <= MAX_NODES &&
           (p->not_after_ms == 0 || p->not_after_ms > p->not_before_ms) &&
           p->ticket_ttl_ms >= 1 && p->ticket_ttl_ms <= MAX_TTL_MS;
}

static params params_of(const dn_arg *a)
{
    return (params){.required_stake = a[0].u,
                    .allowed = a[1].bytes,
                    .not_before_ms = a[2].u,
                    .not_after_ms = a[3].u,
                    .max_uses = a[4].u,
                    .ticket_ttl_ms = a[5].u};
}

static uint64_t now_ms(const dn_exec *ex)
{
    return ex->ts_ms < 0 ? 0 : (uint64_t)ex->ts_ms;
}

static bool allowed(const params *p, const uint8_t who[32])
{
    if (p->allowed.len == 0)
        return true;
    for (size_t i = 0; i < p->allowed.len; i += 32)
        if (memcmp(p->allowed.ptr + i, who, 32) == 0)
            return true;
    return false;
}

static bool in_window(const params *p, uint64_t now)
{
    return now >= p->not_before_ms && (p->not_after_ms == 0 || now <= p->not_after_ms);
}

/* The sender's checks of seal_approve, in the README's order: the sender's stake, the
 * allow-list, the clock window. 0 when they pass, else the abort code. */
static int sender_check(dn_exec *ex, const policy *pol, int pool, uint64_t *code, daas_err *err)
{
    uint64_t stake;
    int rc = daas_devnet__staked_amount(ex, pool, ex->tx->sender, &stake, err);
    if (rc != DAAS_OK)
        return rc;
    if (stake < pol->p.required_stake)
        *code = EInsufficientStake;
    else if (!allowed(&pol->p, ex->tx->sender))
        *code = ENotAllowed;
    else if (!in_window(&pol->p, now_ms(ex)))
        *code = EOutsideWindow;
    else
        *code = 0;
    return DAAS_OK;
}

static int corrupt(daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EIO, "devnet: corrupt %s", what);
}

static void emit(dn_exec *ex, const char *name, daas_buf *b, json_t *j)
{
    daas_devnet__emit(ex, "secret_policy", name, b, j);
    daas_buf_fini(b);
}

/* ---- entry functions ---- */

/* create_policy(required_stake, allowed_nodes, not_before_ms, not_after_ms, max_uses,
 * ticket_ttl_ms) */
static int fn_create_policy(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    policy pol = {.p = params_of(a), .uses = 0};
    daas_buf b;
    (void)ret, (void)err;
    if (!params_ok(&pol.p))
        return daas_devnet__abort(ex, "secret_policy", "create_policy", 0, EBadParams);
    memcpy(pol.admin, ex->tx->sender, 32);
    daas_buf_init(&b, 0);
    policy_encode(&pol, &b); /* the UID is filled in by obj_new */
    int k = daas_devnet__obj_new(ex, DN_K_POLICY, NULL, (const uint8_t *)b.data, b.len,
                                 DAAS_SUI_OWNER_SHARED, NULL);
    memcpy(pol.id, ex->objs[k].id, 32);
    daas_buf_reset(&b);
    PUT(daas_sui_bcs_put_addr(&b, pol.id));
    PUT(daas_sui_bcs_put_addr(&b, pol.admin));
    emit(ex, "PolicyCreated", &b,
         json_pack("{s:o,s:o}", "policy", daas_devnet__json_addr(pol.id), "admin",
                   daas_devnet__json_addr(pol.admin)));
    return DAAS_OK;
}

/* update_policy(&mut DecryptionPolicy, the parameters of create_policy) */
static int fn_update_policy(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    policy pol;
    daas_buf b;
    (void)ret;
    const dn_obj *o = &ex->objs[a[0].obj];
    if (!policy_read(o->bcs, o->bcs_len, &pol))
        return corrupt(err, "DecryptionPolicy");
    if (memcmp(pol.admin, ex->tx->sender, 32) != 0)
        return daas_devnet__abort(ex, "secret_policy", "update_policy", 1, ENotAdmin);
    pol.p = params_of(a + 1);
    if (!params_ok(&pol.p))
        return daas_devnet__abort(ex, "secret_policy", "update_policy", 1, EBadParams);
    daas_buf_init(&b, 0);
    policy_encode(&pol, &b); /* uses is kept */
    daas_devnet__obj_set(ex, a[0].obj, (const uint8_t *)b.data, b.len);
    daas_buf_reset(&b);
    PUT(daas_sui_bcs_put_addr(&b, pol.id));
    emit(ex, "PolicyUpdated", &b, json_pack("{s:o}", "policy", daas_devnet__json_addr(pol.id)));
    return DAAS_OK;
}

/* AccessGranted {policy, holder, ticket, expires_ms, uses}; uses is the ticket's number. */
static void emit_granted(dn_exec *ex, const ticket *t)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    PUT(daas_sui_bcs_put_addr(&b, t->policy));
    PUT(daas_sui_bcs_put_addr(&b, t->holder));
    PUT(daas_sui_bcs_put_addr(&b, t->id));
    PUT(daas_sui_bcs_put_u64(&b, t->expires_ms));
    PUT(daas_sui_bcs_put_u64(&b, t->number));
    emit(ex, "AccessGranted", &b,
         json_pack("{s:o,s:o,s:o,s:o,s:o}", "policy", daas_devnet__json_addr(t->policy), "holder",
                   daas_devnet__json_addr(t->holder), "ticket", daas_devnet__json_addr(t->id),
                   "expires_ms", daas_devnet__json_u64(t->expires_ms), "uses",
                   daas_devnet__json_u64(t->number)));
}

/* request_access(&mut DecryptionPolicy, &Pool, &Clock): checks no rule (the Pool only keeps
 * the call's shape); counts the request and numbers the ticket with the new count. */
static int fn_request_access(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    policy pol;
    ticket t;
    daas_buf b;
    (void)ret;
    const dn_obj *o = &ex->objs[a[0].obj];
    if (!policy_read(o->bcs, o->bcs_len, &pol))
        return corrupt(err, "DecryptionPolicy");
    if (pol.uses == UINT64_MAX) /* Move's arithmetic abort */
        return daas_devnet__fail(ex, "MovePrimitiveRuntimeError in command %zu", ex->cmd);
    pol.uses++;
    memset(&t, 0, sizeof(t));
    memcpy(t.policy, pol.id, 32);
    memcpy(t.holder, ex->tx->sender, 32);
    t.number = pol.uses;
    t.expires_ms = now_ms(ex) + pol.p.ticket_ttl_ms; /* ttl ≤ 365 days: no overflow */
    /* encode before obj_set / obj_new: pol.p.allowed points into the policy's bytes */
    daas_buf_init(&b, 0);
    policy_encode(&pol, &b);
    daas_devnet__obj_set(ex, a[0].obj, (const uint8_t *)b.data, b.len);
    daas_buf_reset(&b);
    PUT(daas_sui_bcs_put_addr(&b, t.id));
    PUT(daas_sui_bcs_put_addr(&b, t.policy));
    PUT(daas_sui_bcs_put_addr(&b, t.holder));
    PUT(daas_sui_bcs_put_u64(&b, t.number));
    PUT(daas_sui_bcs_put_u64(&b, t.expires_ms));
    int k = daas_devnet__obj_new(ex, DN_K_TICKET, NULL, (const uint8_t *)b.data, b.len,
                                 DAAS_SUI_OWNER_ADDRESS, ex->tx->sender);
    daas_buf_fini(&b);
    memcpy(t.id, ex->objs[k].id, 32);
    emit_granted(ex, &t);
    return DAAS_OK;
}

/* The ticket rules of seal_approve: it is for this policy and held by the sender, it has
 * not expired, and its number is within the usage limit. */
static uint64_t ticket_check(const dn_exec *ex, const policy *pol, const ticket *t)
{
    if (memcmp(t->policy, pol->id, 32) != 0 || memcmp(t->holder, ex->tx->sender, 32) != 0)
        return EBadTicket;
    if (now_ms(ex) >= t->expires_ms)
        return ETicketExpired;
    if (pol->p.max_uses > 0 && t->number > pol->p.max_uses)
        return EUsageLimit;
    return 0;
}

/* seal_approve(id, &DecryptionPolicy, &AccessTicket, &Pool, &Clock): aborts to deny. */
static int fn_seal_approve(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    policy pol;
    ticket t;
    uint64_t code = 0;
    (void)ret;
    const dn_obj *po = &ex->objs[a[1].obj], *to = &ex->objs[a[2].obj];
    if (!policy_read(po->bcs, po->bcs_len, &pol) || !ticket_read(to->bcs, to->bcs_len, &t))
        return corrupt(err, "DecryptionPolicy or AccessTicket");
    /* SPEC: the identity of a sealed secret is policy id || secret uid */
    if (a[0].bytes.len < 32 || memcmp(a[0].bytes.ptr, pol.id, 32) != 0)
        code = EWrongId;
    if (code == 0) {
        int rc = sender_check(ex, &pol, a[3].obj, &code, err);
        if (rc != DAAS_OK)
            return rc;
    }
    if (code == 0)
        code = ticket_check(ex, &pol, &t);
    if (code != 0)
        return daas_devnet__abort(ex, "secret_policy", "seal_approve", 3, code);
    return DAAS_OK;
}

#define U64 DN_PARAM_U64
#define CREATE_PARAMS U64, {DN_P_VEC_ADDRESS, 0}, U64, U64, U64, U64

const dn_fn daas_devnet__policy_fns[] = {
    {"secret_policy", "create_policy", 0, 6, {CREATE_PARAMS}, fn_create_policy},
    {"secret_policy",
     "update_policy",
     1,
     7,
     {{DN_P_MUT, DN_K_POLICY}, CREATE_PARAMS},
     fn_update_policy},
    {"secret_policy",
     "request_access",
     2,
     3,
     {{DN_P_MUT, DN_K_POLICY}, {DN_P_REF, DN_K_POOL}, {DN_P_REF, DN_K_CLOCK}},
     fn_request_access},
    {"secret_policy",
     "seal_approve",
     3,
     5,
     {DN_PARAM_BYTES,
      {DN_P_REF, DN_K_POLICY},
      {DN_P_REF, DN_K_TICKET},
      {DN_P_REF, DN_K_POOL},
      {DN_P_REF, DN_K_CLOCK}},
     fn_seal_approve},
};
const size_t daas_devnet__policy_n = sizeof(daas_devnet__policy_fns) / sizeof(dn_fn);
