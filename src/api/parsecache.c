/*
 * parsecache.c: objects a create just stored, kept parsed for the moment the store's watch
 *               hands the same bytes to an informer (daas_api__parse_kv), which would
 *               otherwise parse again what the create had in hand: on a busy server that
 *               second parse of every new pod costs more than the rest of its create.
 *
 * Owns:   a small process-wide table of (hash, a copy of the stored bytes, the object);
 *         the oldest entry goes when it is full.
 * Invariants:
 *   - an object is put only once nobody changes it any more (the create path puts it after
 *     its last change) and is never changed here; jansson's reference counts are atomic;
 *   - a hit requires exactly the same bytes (compared in full), so what comes back is the
 *     parse of those bytes, as json_loadb would give it;
 *   - take removes the entry: one consumer per object (the informer of its kind); a reader
 *     that gets there first simply parses.
 */
#include <pthread.h>
#include <string.h>

#include "api/api_int.h"

#define SLOTS 512

typedef struct slot {
    uint64_t hash;
    char *bytes; /* owned copy; NULL: empty */
    size_t len;
    json_t *obj; /* owned reference */
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot slots[SLOTS];
static size_t next; /* mu: the slot the next put takes */

/* FNV-1a over 8-byte words (the bytes are compared in full on a hit). */
static uint64_t hash_of(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

static void clear(slot *s)
{
    daas_free(s->bytes);
    json_decref(s->obj);
    memset(s, 0, sizeof *s);
}

void daas_api__parsed_put(const char *bytes, size_t len, json_t *obj)
{
    slot fresh = {.hash = hash_of(bytes, len), .len = len, .obj = json_incref(obj)};
    fresh.bytes = daas_xmalloc(len ? len : 1);
    memcpy(fresh.bytes, bytes, len);
    pthread_mutex_lock(&mu);
    slot old = slots[next];
    slots[next] = fresh;
    next = (next + 1) % SLOTS;
    pthread_mutex_unlock(&mu);
    clear(&old);
}

json_t *daas_api__parsed_take(const char *bytes, size_t len)
{
    uint64_t h = hash_of(bytes, len);
    slot hit = {0};
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < SLOTS && hit.bytes == NULL; i++) {
        slot *s = &slots[i];
        if (s->bytes && s->hash == h && s->len == len && memcmp(s->bytes, bytes, len) == 0) {
            hit = *s;
            memset(s, 0, sizeof *s);
        }
    }
    pthread_mutex_unlock(&mu);
    json_t *obj = json_incref(hit.obj);
    clear(&hit);
    return obj;
}

void daas_api__parsed_clear(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < SLOTS; i++)
        clear(&slots[i]);
    next = 0;
    pthread_mutex_unlock(&mu);
}
