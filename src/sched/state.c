/*
 * state.c: the enclave's view of the cluster: nodes, bound pods, owners, the delta stream and
 *          its running digest.
 *
 * Owns:   daas_sched_state and its records (sched_int.h), the string map, resource-name
 *         interning, owners' stake shares (refreshed lazily for algo.c).
 * Not:    the wire format (delta.c), the algorithm (algo.c).
 * Invariants:
 *   - apply = check everything that can fail, then mutate (cannot fail), then advance
 *     seq and digest: a failed delta changes nothing;
 *   - d_n = BLAKE2b-256(d_{n-1} || BCS(delta_n)) over the canonical encoding (the decoders
 *     accept only canonical bytes, so it is also the hash of the bytes received);
 *   - a node's used totals stay below 2^62: at most DAAS_SCHED_MAX_NODE_PODS pods of at most
 *     DAAS_SCHED_QTY_MAX each, so no sum can overflow.
 * Thread: one thread per state.
 * Spec:   sched.h "Cluster view"; ARCHITECTURE.md §3.3 step 1.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* ---- map ---- */

static uint64_t fnv1a(const char *k, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)k[i]) * 0x100000001b3ULL;
    return h == 0 ? 1 : h;
}

static size_t map_find(const daas_sched__map *m, const char *key, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const daas_sched__slot *s = &m->slots[i];
        if (s->hash == 0 ||
            (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0))
            return i;
    }
}

static void map_grow(daas_sched__map *m)
{
    daas_sched__map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = daas_xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].hash != 0)
            m->slots[map_find(m, old.slots[i].key, old.slots[i].klen, old.slots[i].hash)] =
                old.slots[i];
    daas_free(old.slots);
}

/* Contract in sched_int.h. */
void daas_sched__map_fini(daas_sched__map *m)
{
    daas_free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* Contract in sched_int.h. */
uintptr_t daas_sched__map_get(const daas_sched__map *m, const char *key, size_t klen)
{
    if (m->cap == 0)
        return 0;
    const daas_sched__slot *s = &m->slots[map_find(m, key, klen, fnv1a(key, klen))];
    return s->hash ? s->val : 0;
}

/* Contract in sched_int.h. */
void daas_sched__map_put(daas_sched__map *m, const char *key, size_t klen, uintptr_t val)
{
    if ((m->n + 1) * 2 > m->cap)
        map_grow(m);
    uint64_t h = fnv1a(key, klen);
    m->slots[map_find(m, key, klen, h)] = (daas_sched__slot){h, key, klen, val};
    m->n++;
}

/* Contract in sched_int.h. */
void daas_sched__map_del(daas_sched__map *m, const char *key, size_t klen)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, i = map_find(m, key, klen, fnv1a(key, klen));
    if (m->slots[i].hash == 0)
        return;
    /* Backward-shift deletion: move later entries of the probe run into the hole when
     * their home slot does not lie cyclically in (hole, j]. */
    for (size_t j = (i + 1) & mask; m->slots[j].hash != 0; j = (j + 1) & mask) {
        size_t home = m->slots[j].hash & mask;
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].hash = 0;
    m->n--;
}

/* ---- dense arrays of records ---- */

static void arr_push(void ***arr, size_t *n, size_t *cap, void *rec, size_t *idx)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *arr = daas_xrealloc(*arr, *cap * sizeof(void *));
    }
    *idx = *n;
    (*arr)[(*n)++] = rec;
}

/* ---- resources ---- */

static uint32_t intern(daas_sched_state *st, const char *name)
{
    uintptr_t v = daas_sched__map_get(&st->rname_map, name, strlen(name));
    if (v != 0)
        return (uint32_t)(v - 1);
    uint32_t rid = st->n_rnames++;
    st->rnames = daas_xrealloc(st->rnames, st->n_rnames * sizeof(char *));
    st->rnames[rid] = daas_xstrdup(name);
    daas_sched__map_put(&st->rname_map, st->rnames[rid], strlen(name), (uintptr_t)rid + 1);
    return rid;
}

/* Contract in sched_int.h. */
uint32_t daas_sched__rid(const daas_sched_state *st, const char *name)
{
    uintptr_t v = daas_sched__map_get(&st->rname_map, name, strlen(name));
    return v ? (uint32_t)(v - 1) : DAAS_SCHED__RID_NONE;
}

/* DAAS_ETOOBIG when interning the names of r would pass the limit. */
static int intern_room(const daas_sched_state *st, const daas_sched_res *r, size_t n,
                       daas_err *err)
{
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        fresh += daas_sched__rid(st, r[i].name) == DAAS_SCHED__RID_NONE;
    if (st->n_rnames + fresh > DAAS_SCHED_MAX_RESOURCE_NAMES)
        return daas_fail(err, DAAS_ETOOBIG, "sched: more than %d resource names",
                         DAAS_SCHED_MAX_RESOURCE_NAMES);
    return DAAS_OK;
}

static daas_sched__ext *ext_find(daas_sched__node *n, uint32_t rid)
{
    for (uint32_t i = 0; i < n->n_ext; i++)
        if (n->ext[i].rid == rid)
            return &n->ext[i];
    return NULL;
}

static int ext_cmp(const void *a, const void *b)
{
    uint32_t x = ((const daas_sched__ext *)a)->rid, y = ((const daas_sched__ext *)b)->rid;
    return (x > y) - (x < y);
}

static daas_sched__ext *ext_add(daas_sched__node *n, uint32_t rid)
{
    n->ext = daas_xrealloc(n->ext, (n->n_ext + 1) * sizeof(*n->ext));
    n->ext[n->n_ext++] = (daas_sched__ext){rid, 0, 0};
    qsort(n->ext, n->n_ext, sizeof(*n->ext), ext_cmp);
    return ext_find(n, rid);
}

static void ext_drop_empty(daas_sched__node *n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->n_ext; i++)
        if (n->ext[i].alloc != 0 || n->ext[i].used != 0)
            n->ext[k++] = n->ext[i];
    n->n_ext = k;
}

/* ---- owners ---- */

static daas_sched__owner *owner_get(daas_sched_state *st, const uint8_t addr[32])
{
    daas_sched__owner *o =
        (daas_sched__owner *)daas_sched__map_get(&st->owner_map, (const char *)addr, 32);
    if (o != NULL)
        return o;
    o = daas_xcalloc(1, sizeof(*o));
    memcpy(o->addr, addr, 32);
    arr_push((void ***)&st->owners, &st->n_owners, &st->cap_owners, o, &o->idx);
    daas_sched__map_put(&st->owner_map, (const char *)o->addr, 32, (uintptr_t)o);
    return o;
}

static void owner_release(daas_sched_state *st, daas_sched__owner *o)
{
    if (o->n_nodes > 0)
        return;
    daas_sched__map_del(&st->owner_map, (const char *)o->addr, 32);
    daas_sched__owner *last = st->owners[--st->n_owners];
    st->owners[o->idx] = last;
    last->idx = o->idx;
    daas_free(o);
}

/* Contract in sched_int.h. */
void daas_sched__refresh_stakes(daas_sched_state *st)
{
    if (!st->stakes_dirty)
        return;
    unsigned __int128 total = 0;
    for (size_t i = 0; i < st->n_owners; i++)
        st->owners[i]->stake = 0;
    for (size_t i = 0; i < st->n_nodes; i++) {
        daas_sched__owner *o = st->nodes[i]->owner;
        if (st->nodes[i]->stake > o->stake)
            o->stake = st->nodes[i]->stake;
    }
    for (size_t i = 0; i < st->n_owners; i++)
        total += st->owners[i]->stake;
    for (size_t i = 0; i < st->n_owners; i++) {
        daas_sched__owner *o = st->owners[i];
        o->share_q = total == 0 ? 0 : (uint64_t)(((unsigned __int128)o->stake << 32) / total);
    }
    st->stakes_dirty = false;
}

/* ---- accounting a pod on its node ---- */

static void account(daas_sched_state *st, daas_sched__pod *p, daas_sched__node *n, int sign)
{
    n->used_cpu += sign * p->q_cpu;
    n->used_mem += sign * p->q_mem;
    n->used_cpu_nz += sign * p->nz_cpu;
    n->used_mem_nz += sign * p->nz_mem;
    for (uint32_t i = 0; i < p->n_ext; i++) {
        daas_sched__ext *e = ext_find(n, p->ext[i].rid);
        if (e == NULL)
            e = ext_add(n, p->ext[i].rid);
        e->used += sign * p->ext[i].qty;
    }
    if (sign < 0)
        ext_drop_empty(n);
    n->n_pods = (uint32_t)((int64_t)n->n_pods + sign);
    n->owner->pods = (uint64_t)((int64_t)n->owner->pods + sign);
    st->placed = (uint64_t)((int64_t)st->placed + sign);
}

/* ---- nodes ---- */

static void node_set_spec(daas_sched_state *st, daas_sched__node *n, const daas_sched_node *s)
{
    daas_sched__chunk *mem = NULL;
    daas_sched__ext *old = n->ext;
    uint32_t n_old = n->n_ext;
    n->flags = (uint8_t)((s->ready ? DAAS_SCHED__READY : 0) |
                         (s->unschedulable ? DAAS_SCHED__UNSCHEDULABLE : 0));
    n->alloc_cpu = n->alloc_mem = 0;
    n->max_pods = UINT32_MAX;
    n->ext = daas_xcalloc(s->n_alloc + n_old + 1, sizeof(*n->ext));
    n->n_ext = 0;
    for (size_t i = 0; i < s->n_alloc; i++) {
        uint32_t rid = intern(st, s->alloc[i].name);
        int64_t q = s->alloc[i].qty;
        if (rid == DAAS_SCHED__RID_CPU)
            n->alloc_cpu = q;
        else if (rid == DAAS_SCHED__RID_MEM)
            n->alloc_mem = q;
        else if (rid == DAAS_SCHED__RID_PODS)
            n->max_pods = q >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)q;
        else
            n->ext[n->n_ext++] = (daas_sched__ext){rid, q, 0};
    }
    qsort(n->ext, n->n_ext, sizeof(*n->ext), ext_cmp);
    for (uint32_t i = 0; i < n_old; i++) { /* carry what bound pods use */
        daas_sched__ext *e = ext_find(n, old[i].rid);
        if (e == NULL && old[i].used != 0)
            e = ext_add(n, old[i].rid);
        if (e != NULL)
            e->used = old[i].used;
    }
    ext_drop_empty(n);
    daas_free(old);
    n->inv_cpu = n->alloc_cpu ? UINT64_MAX / (uint64_t)n->alloc_cpu : 0;
    n->inv_mem = n->alloc_mem ? UINT64_MAX / (uint64_t)n->alloc_mem : 0;
    if (n->stake != s->stake)
        st->stakes_dirty = true;
    n->stake = s->stake;
    daas_sched__label *lab = daas_sched__arena_alloc(&mem, (s->n_labels + 1) * sizeof(*lab));
    for (size_t i = 0; i < s->n_labels; i++) {
        size_t kl = strlen(s->labels[i].key);
        lab[i].key = daas_sched__arena_str(&mem, s->labels[i].key, kl);
        lab[i].klen = kl;
        lab[i].value = daas_sched__arena_str(&mem, s->labels[i].value, strlen(s->labels[i].value));
    }
    daas_sched_taint *t = daas_sched__arena_alloc(&mem, (s->n_taints + 1) * sizeof(*t));
    for (size_t i = 0; i < s->n_taints; i++) {
        t[i].key = daas_sched__arena_str(&mem, s->taints[i].key, strlen(s->taints[i].key));
        t[i].value = daas_sched__arena_str(&mem, s->taints[i].value, strlen(s->taints[i].value));
        t[i].effect = s->taints[i].effect;
        if (t[i].effect != DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE)
            n->flags |= DAAS_SCHED__HARD_TAINTS;
    }
    daas_sched__arena_free(&n->mem);
    n->mem = mem;
    n->labels = lab;
    n->n_labels = s->n_labels;
    n->taints = t;
    n->n_taints = s->n_taints;
}

static void node_set_owner(daas_sched_state *st, daas_sched__node *n, const uint8_t addr[32])
{
    daas_sched__owner *old = n->owner;
    if (old != NULL && memcmp(old->addr, addr, 32) == 0)
        return;
    daas_sched__owner *o = owner_get(st, addr);
    if (old != NULL) {
        old->pods -= n->n_pods;
        old->n_nodes--;
        owner_release(st, old);
    }
    o->pods += n->n_pods;
    o->n_nodes++;
    n->owner = o;
    st->stakes_dirty = true;
}

/* Pods bound to name while no node had it. */
static size_t orphans_of(const daas_sched_state *st, const char *name, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; st->orphans > 0 && i < st->n_pods; i++) {
        const daas_sched__pod *p = st->pods[i];
        k += p->node == NULL && p->node_len == len && memcmp(p->node_name, name, len) == 0;
    }
    return k;
}

static int node_upsert(daas_sched_state *st, const daas_sched_node *s, daas_err *err)
{
    size_t len = strlen(s->name);
    daas_sched__node *n = (daas_sched__node *)daas_sched__map_get(&st->node_map, s->name, len);
    int rc = intern_room(st, s->alloc, s->n_alloc, err);
    if (rc != DAAS_OK || n != NULL) {
        if (rc == DAAS_OK) {
            node_set_owner(st, n, s->owner);
            node_set_spec(st, n, s);
        }
        return rc;
    }
    if (st->n_nodes >= DAAS_SCHED_MAX_NODES)
        return daas_fail(err, DAAS_ETOOBIG, "sched: more than %d nodes", DAAS_SCHED_MAX_NODES);
    if (orphans_of(st, s->name, len) > DAAS_SCHED_MAX_NODE_PODS)
        return daas_fail(err, DAAS_ETOOBIG, "sched: node %s: more than %d pods", s->name,
                         DAAS_SCHED_MAX_NODE_PODS);
    n = daas_xcalloc(1, sizeof(*n));
    n->name = daas_xstrdup(s->name);
    n->name_len = len;
    n->stake = s->stake;
    arr_push((void ***)&st->nodes, &st->n_nodes, &st->cap_nodes, n, &n->idx);
    daas_sched__map_put(&st->node_map, n->name, len, (uintptr_t)n);
    node_set_owner(st, n, s->owner);
    node_set_spec(st, n, s);
    for (size_t i = 0; st->orphans > 0 && i < st->n_pods; i++) {
        daas_sched__pod *p = st->pods[i];
        if (p->node == NULL && p->node_len == len && memcmp(p->node_name, s->name, len) == 0) {
            p->node = n;
            st->orphans--;
            account(st, p, n, +1);
        }
    }
    return DAAS_OK;
}

static void node_free(daas_sched__node *n)
{
    daas_sched__arena_free(&n->mem);
    daas_free(n->ext);
    daas_free((char *)n->name);
    daas_free(n);
}

static int node_remove(daas_sched_state *st, const char *name, daas_err *err)
{
    size_t len = strlen(name);
    daas_sched__node *n = (daas_sched__node *)daas_sched__map_get(&st->node_map, name, len);
    if (n == NULL)
        return daas_fail(err, DAAS_ENOTFOUND, "sched: no node %s", name);
    for (size_t i = 0; n->n_pods > 0 && i < st->n_pods; i++) {
        daas_sched__pod *p = st->pods[i];
        if (p->node == n) {
            account(st, p, n, -1);
            p->node = NULL;
            st->orphans++;
        }
    }
    n->owner->n_nodes--;
    owner_release(st, n->owner);
    st->stakes_dirty = true;
    daas_sched__map_del(&st->node_map, n->name, len);
    daas_sched__node *last = st->nodes[--st->n_nodes];
    st->nodes[n->idx] = last;
    last->idx = n->idx;
    node_free(n);
    return DAAS_OK;
}

/* ---- pods ---- */

static void pod_free(daas_sched__pod *p)
{
    daas_sched__chunk *mem = p->mem; /* p itself lives in this arena */
    daas_sched__arena_free(&mem);
}

static void pod_drop(daas_sched_state *st, daas_sched__pod *p)
{
    if (p->node != NULL)
        account(st, p, p->node, -1);
    else
        st->orphans--;
    daas_sched__map_del(&st->pod_map, p->uid, p->uid_len);
    daas_sched__pod *last = st->pods[--st->n_pods];
    st->pods[p->idx] = last;
    last->idx = p->idx;
    pod_free(p);
}

static daas_sched__pod *pod_make(daas_sched_state *st, const daas_sched_binding *b)
{
    daas_sched__chunk *mem = NULL;
    daas_sched__pod *p = daas_sched__arena_alloc(&mem, sizeof(*p));
    p->uid_len = strlen(b->uid);
    p->uid = daas_sched__arena_str(&mem, b->uid, p->uid_len);
    p->node_len = strlen(b->node);
    p->node_name = daas_sched__arena_str(&mem, b->node, p->node_len);
    p->ext = daas_sched__arena_alloc(&mem, (b->n_requests + 1) * sizeof(*p->ext));
    for (size_t i = 0; i < b->n_requests; i++) {
        uint32_t rid = intern(st, b->requests[i].name);
        int64_t q = b->requests[i].qty;
        if (rid == DAAS_SCHED__RID_CPU)
            p->q_cpu = q;
        else if (rid == DAAS_SCHED__RID_MEM)
            p->q_mem = q;
        else if (q != 0)
            p->ext[p->n_ext++] = (daas_sched__preq){rid, q};
    }
    p->nz_cpu = daas_sched__nz(p->q_cpu, DAAS_SCHED_DEFAULT_MILLI_CPU);
    p->nz_mem = daas_sched__nz(p->q_mem, DAAS_SCHED_DEFAULT_MEMORY);
    p->mem = mem; /* the record lives in its own arena */
    return p;
}

static int pod_bound(daas_sched_state *st, const daas_sched_binding *b, daas_err *err)
{
    size_t ulen = strlen(b->uid);
    daas_sched__pod *old = (daas_sched__pod *)daas_sched__map_get(&st->pod_map, b->uid, ulen);
    daas_sched__node *n =
        (daas_sched__node *)daas_sched__map_get(&st->node_map, b->node, strlen(b->node));
    int rc = intern_room(st, b->requests, b->n_requests, err);
    if (rc != DAAS_OK)
        return rc;
    if (old == NULL && st->n_pods >= DAAS_SCHED_MAX_PODS)
        return daas_fail(err, DAAS_ETOOBIG, "sched: more than %u pods", DAAS_SCHED_MAX_PODS);
    if (n != NULL && n->n_pods - (old != NULL && old->node == n) >= DAAS_SCHED_MAX_NODE_PODS)
        return daas_fail(err, DAAS_ETOOBIG, "sched: node %s: more than %d pods", b->node,
                         DAAS_SCHED_MAX_NODE_PODS);
    if (old != NULL)
        pod_drop(st, old);
    daas_sched__pod *p = pod_make(st, b);
    arr_push((void ***)&st->pods, &st->n_pods, &st->cap_pods, p, &p->idx);
    daas_sched__map_put(&st->pod_map, p->uid, p->uid_len, (uintptr_t)p);
    p->node = n;
    if (n != NULL)
        account(st, p, n, +1);
    else
        st->orphans++;
    return DAAS_OK;
}

static int pod_removed(daas_sched_state *st, const char *uid, daas_err *err)
{
    daas_sched__pod *p = (daas_sched__pod *)daas_sched__map_get(&st->pod_map, uid, strlen(uid));
    if (p == NULL)
        return daas_fail(err, DAAS_ENOTFOUND, "sched: no bound pod %s", uid);
    pod_drop(st, p);
    return DAAS_OK;
}

/* ---- public ---- */

/* Contract in sched.h. */
daas_sched_state *daas_sched_state_new(void)
{
    if (sodium_init() < 0)
        abort(); /* no libsodium at all: nothing sensible to continue with */
    daas_sched_state *st = daas_xcalloc(1, sizeof(*st));
    daas_buf_init(&st->enc, 2 * DAAS_SCHED_MAX_DELTA_BYTES);
    (void)intern(st, "cpu");
    (void)intern(st, "memory");
    (void)intern(st, "pods");
    return st;
}

/* Contract in sched.h. */
void daas_sched_state_free(daas_sched_state **pst)
{
    daas_sched_state *st = pst ? *pst : NULL;
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->n_pods; i++)
        pod_free(st->pods[i]);
    for (size_t i = 0; i < st->n_nodes; i++)
        node_free(st->nodes[i]);
    for (size_t i = 0; i < st->n_owners; i++)
        daas_free(st->owners[i]);
    for (uint32_t i = 0; i < st->n_rnames; i++)
        daas_free(st->rnames[i]);
    daas_free(st->pods);
    daas_free(st->nodes);
    daas_free(st->owners);
    daas_free(st->rnames);
    daas_free(st->scores);
    daas_sched__map_fini(&st->pod_map);
    daas_sched__map_fini(&st->node_map);
    daas_sched__map_fini(&st->owner_map);
    daas_sched__map_fini(&st->rname_map);
    daas_buf_fini(&st->enc);
    daas_free(st);
    *pst = NULL;
}

/* Contract in sched.h. */
uint64_t daas_sched_state_seq(const daas_sched_state *st)
{
    return st->seq;
}

/* Contract in sched.h. */
void daas_sched_state_digest(const daas_sched_state *st, uint8_t out[DAAS_SCHED_DIGEST_LEN])
{
    memcpy(out, st->digest, DAAS_SCHED_DIGEST_LEN);
}

/* Contract in sched.h. */
size_t daas_sched_state_nodes(const daas_sched_state *st)
{
    return st->n_nodes;
}

/* Contract in sched.h. */
size_t daas_sched_state_pods(const daas_sched_state *st)
{
    return st->n_pods;
}

static int apply_body(daas_sched_state *st, const daas_sched_delta *d, daas_err *err)
{
    switch (d->kind) {
    case DAAS_SCHED_NODE_UPSERT:
        return node_upsert(st, &d->node, err);
    case DAAS_SCHED_NODE_REMOVE:
        return node_remove(st, d->name, err);
    case DAAS_SCHED_POD_BOUND:
        return pod_bound(st, &d->bound, err);
    default:
        return pod_removed(st, d->name, err);
    }
}

/* Contract in sched.h. */
int daas_sched_state_apply(daas_sched_state *st, const daas_sched_delta *d, daas_err *err)
{
    if (d->seq != st->seq + 1)
        return daas_fail(err, DAAS_ECONFLICT, "sched: delta seq %llu, expected %llu",
                         (unsigned long long)d->seq, (unsigned long long)(st->seq + 1));
    daas_buf_reset(&st->enc);
    int rc = daas_sched_delta_encode(d, &st->enc, err); /* checks every format rule */
    if (rc == DAAS_OK)
        rc = apply_body(st, d, err);
    if (rc != DAAS_OK)
        return rc;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, st->digest, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, (const unsigned char *)st->enc.data, st->enc.len);
    crypto_generichash_final(&h, st->digest, DAAS_SCHED_DIGEST_LEN);
    st->seq = d->seq;
    return DAAS_OK;
}

/* Contract in sched.h. */
int daas_sched_state_apply_bcs(daas_sched_state *st, daas_bytes in, daas_err *err)
{
    daas_sched_delta d;
    int rc = daas_sched_delta_decode(in, &d, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sched_state_apply(st, &d, err);
    daas_sched_delta_fini(&d);
    return rc;
}
