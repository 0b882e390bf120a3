/*
 * index.c: the in-memory index of the store: latest value of every live key.
 *
 * Owns:   the entries (daas_store__ent) and two views of them: a keyed hash map (get) and a
 *         two-level sorted array (list by prefix, start key, limit, remaining count).
 * Not:    locking (callers hold st->lock: shared to read, exclusive to change), events.
 * Model:  the ordered view is a list of chunks of at most CHUNK_MAX entry pointers, each
 *         sorted, chunks in key order (a B-tree of height two). Inserting moves at most
 *         CHUNK_MAX pointers plus, on a split, the chunk array; rank is a sum over chunks.
 *         That keeps 10^5..10^6 keys fast without per-node allocations. The hash is
 *         SipHash-2-4 with a random key, so chosen key names cannot flood one probe chain.
 * Invariants:
 *   - every chunk is non-empty and sorted; the last key of chunk c < first key of chunk c+1;
 *   - the map holds exactly the entries of the chunks; load factor <= 3/4;
 *   - keys compare as byte strings (memcmp, then length).
 * Spec:   ARCHITECTURE.md §4.
 */
#include "store/store_int.h"

#include <sodium.h>
#include <string.h>

enum { CHUNK_MAX = 512, MAP_MIN = 64 };

/* ---- entries ------------------------------------------------------------------------ */

daas_store__ent *daas_store__ent_new(daas_blob *key, uint64_t hash)
{
    daas_store__ent *e = daas_xcalloc(1, sizeof *e);
    e->key = key;
    e->hash = hash;
    return e;
}

void daas_store__ent_free(daas_store__ent **ep)
{
    daas_store__ent *e = *ep;
    *ep = NULL;
    if (!e)
        return;
    daas_blob_unref(&e->key);
    daas_blob_unref(&e->val);
    daas_blob_unref(&e->obj);
    daas_free(e);
}

static int key_cmp(const daas_blob *a, const char *k, size_t klen)
{
    size_t n = a->len < klen ? a->len : klen;
    int c = memcmp(a->data, k, n);
    if (c != 0)
        return c;
    return (a->len > klen) - (a->len < klen);
}

/* ---- hash map ----------------------------------------------------------------------- */

uint64_t daas_store__hash(const daas_store__index *ix, const char *key, size_t klen)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;
    (void)crypto_shorthash(out, (const unsigned char *)key, klen, ix->hkey);
    memcpy(&h, out, sizeof h);
    return h;
}

static bool ent_is(const daas_store__ent *e, const char *key, size_t klen, uint64_t hash)
{
    return e->hash == hash && e->key->len == klen && memcmp(e->key->data, key, klen) == 0;
}

daas_store__ent *daas_store__index_find(const daas_store__index *ix, const char *key,
                                        size_t klen, uint64_t hash)
{
    if (ix->mcap == 0)
        return NULL;
    size_t mask = ix->mcap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        daas_store__ent *e = ix->map[i];
        if (!e)
            return NULL;
        if (ent_is(e, key, klen, hash))
            return e;
    }
}

static void map_place(daas_store__ent **map, size_t mcap, daas_store__ent *e)
{
    size_t mask = mcap - 1;
    size_t i = (size_t)e->hash & mask;
    while (map[i])
        i = (i + 1) & mask;
    map[i] = e;
}

static void map_put(daas_store__index *ix, daas_store__ent *e)
{
    if ((ix->n + 1) * 4 > ix->mcap * 3) {
        size_t ncap = ix->mcap ? ix->mcap * 2 : MAP_MIN;
        daas_store__ent **nmap = daas_xcalloc(ncap, sizeof *nmap);
        for (size_t i = 0; i < ix->mcap; i++)
            if (ix->map[i])
                map_place(nmap, ncap, ix->map[i]);
        daas_free(ix->map);
        ix->map = nmap;
        ix->mcap = ncap;
    }
    map_place(ix->map, ix->mcap, e);
}

/* True when home slot h lies cyclically in (i, j]: the entry at j may not move to i. */
static bool home_between(size_t h, size_t i, size_t j)
{
    if (i <= j)
        return h > i && h <= j;
    return h > i || h <= j;
}

/* Backward-shift deletion: no tombstones, probe chains stay short. */
static void map_del(daas_store__index *ix, const daas_store__ent *e)
{
    size_t mask = ix->mcap - 1;
    size_t i = (size_t)e->hash & mask;
    while (ix->map[i] != e)
        i = (i + 1) & mask;
    ix->map[i] = NULL;
    for (size_t j = (i + 1) & mask; ix->map[j]; j = (j + 1) & mask) {
        size_t h = (size_t)ix->map[j]->hash & mask;
        if (home_between(h, i, j))
            continue;
        ix->map[i] = ix->map[j];
        ix->map[j] = NULL;
        i = j;
    }
}

/* ---- ordered chunks ----------------------------------------------------------------- */

void daas_store__index_init(daas_store__index *ix)
{
    memset(ix, 0, sizeof *ix);
    daas_random(ix->hkey, sizeof ix->hkey);
}

void daas_store__index_fini(daas_store__index *ix)
{
    for (size_t c = 0; c < ix->nch; c++) {
        for (size_t i = 0; i < ix->ch[c].n; i++)
            daas_store__ent_free(&ix->ch[c].v[i]);
        daas_free(ix->ch[c].v);
    }
    daas_free(ix->ch);
    daas_free(ix->map);
    memset(ix, 0, sizeof *ix);
}

/* First slot of chunk ch whose key is >= key (ch->n if none). */
static size_t chunk_lower(const daas_store__chunk *ch, const char *key, size_t klen)
{
    size_t lo = 0, hi = ch->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(ch->v[mid]->key, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

daas_store__pos daas_store__index_lower(const daas_store__index *ix, const char *key,
                                        size_t klen)
{
    daas_store__pos p = {0, 0};
    if (ix->nch == 0)
        return p;
    /* The first chunk whose last key is >= key holds the answer; none: the end. */
    size_t lo = 0, hi = ix->nch;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const daas_store__chunk *ch = &ix->ch[mid];
        if (key_cmp(ch->v[ch->n - 1]->key, key, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ix->nch) {
        p.c = ix->nch - 1;
        p.i = ix->ch[p.c].n;
        return p;
    }
    p.c = lo;
    p.i = chunk_lower(&ix->ch[lo], key, klen);
    return p;
}

daas_store__ent *daas_store__index_at(const daas_store__index *ix, daas_store__pos pos)
{
    if (pos.c >= ix->nch || pos.i >= ix->ch[pos.c].n)
        return NULL;
    return ix->ch[pos.c].v[pos.i];
}

void daas_store__index_next(const daas_store__index *ix, daas_store__pos *pos)
{
    if (pos->c >= ix->nch)
        return;
    pos->i++;
    if (pos->i >= ix->ch[pos->c].n && pos->c + 1 < ix->nch) {
        pos->c++;
        pos->i = 0;
    }
}

size_t daas_store__index_rank(const daas_store__index *ix, daas_store__pos pos)
{
    size_t r = 0;
    for (size_t c = 0; c < pos.c && c < ix->nch; c++)
        r += ix->ch[c].n;
    return r + pos.i;
}

/* Inserts an empty chunk at position c of the chunk array. */
static daas_store__chunk *chunk_insert(daas_store__index *ix, size_t c)
{
    if (ix->nch == ix->chcap) {
        ix->chcap = ix->chcap ? ix->chcap * 2 : 8;
        ix->ch = daas_xrealloc(ix->ch, ix->chcap * sizeof *ix->ch);
    }
    memmove(&ix->ch[c + 1], &ix->ch[c], (ix->nch - c) * sizeof *ix->ch);
    ix->nch++;
    ix->ch[c].v = daas_xmalloc(CHUNK_MAX * sizeof *ix->ch[c].v);
    ix->ch[c].n = 0;
    return &ix->ch[c];
}

static void chunk_drop(daas_store__index *ix, size_t c)
{
    daas_free(ix->ch[c].v);
    memmove(&ix->ch[c], &ix->ch[c + 1], (ix->nch - c - 1) * sizeof *ix->ch);
    ix->nch--;
}

/* Splits full chunk c in halves; moves *pos along when it pointed into the upper half. */
static void chunk_split(daas_store__index *ix, daas_store__pos *pos)
{
    size_t c = pos->c;
    daas_store__chunk *hi = chunk_insert(ix, c + 1);
    daas_store__chunk *lo = &ix->ch[c]; /* after chunk_insert: the array may have moved */
    size_t half = lo->n / 2;
    hi->n = lo->n - half;
    memcpy(hi->v, &lo->v[half], hi->n * sizeof *hi->v);
    lo->n = half;
    if (pos->i > half) {
        pos->c = c + 1;
        pos->i -= half;
    }
}

void daas_store__index_insert(daas_store__index *ix, daas_store__ent *e)
{
    map_put(ix, e);
    if (ix->nch == 0) {
        daas_store__chunk *first = chunk_insert(ix, 0);
        first->v[first->n++] = e;
        ix->n++;
        return;
    }
    daas_store__pos p = daas_store__index_lower(ix, e->key->data, e->key->len);
    if (ix->ch[p.c].n == CHUNK_MAX)
        chunk_split(ix, &p);
    daas_store__chunk *ch = &ix->ch[p.c];
    memmove(&ch->v[p.i + 1], &ch->v[p.i], (ch->n - p.i) * sizeof *ch->v);
    ch->v[p.i] = e;
    ch->n++;
    ix->n++;
}

/* Merges chunk c+1 into chunk c when both together fill at most half a chunk, so deletes
 * cannot leave a long array of nearly empty chunks. */
static void chunk_maybe_merge(daas_store__index *ix, size_t c)
{
    if (c + 1 >= ix->nch || ix->ch[c].n + ix->ch[c + 1].n > CHUNK_MAX / 2)
        return;
    daas_store__chunk *a = &ix->ch[c], *b = &ix->ch[c + 1];
    memcpy(&a->v[a->n], b->v, b->n * sizeof *b->v);
    a->n += b->n;
    chunk_drop(ix, c + 1);
}

void daas_store__index_remove(daas_store__index *ix, daas_store__ent *e)
{
    map_del(ix, e);
    daas_store__pos p = daas_store__index_lower(ix, e->key->data, e->key->len);
    daas_store__chunk *ch = &ix->ch[p.c];
    if (DAAS_NEVER(p.i >= ch->n || ch->v[p.i] != e))
        return; /* not indexed: cannot happen while map and chunks agree */
    memmove(&ch->v[p.i], &ch->v[p.i + 1], (ch->n - p.i - 1) * sizeof *ch->v);
    ch->n--;
    ix->n--;
    if (ch->n == 0) {
        chunk_drop(ix, p.c);
        return;
    }
    chunk_maybe_merge(ix, p.c);
    if (p.c > 0)
        chunk_maybe_merge(ix, p.c - 1);
}
