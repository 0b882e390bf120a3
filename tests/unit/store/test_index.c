/*
 * test_index.c: unit tests of the store's in-memory index (index.c) against a reference
 * model (a plain sorted array): random inserts and removes through chunk splits and merges,
 * checking find, ordered iteration, lower bound and rank.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

enum { SPACE = 40000 };

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void key_of(uint32_t i, char *buf, size_t n)
{
    snprintf(buf, n, "/registry/x/%05u", i);
}

/* Reference: present[i] for key i; keys sort as their numbers (fixed width). */
static uint8_t present[SPACE];

static size_t ref_rank(uint32_t i) /* number of present keys < key i */
{
    size_t r = 0;
    for (uint32_t k = 0; k < i; k++)
        r += present[k];
    return r;
}

static void check_all(const daas_store__index *ix, size_t nref)
{
    assert_int_equal(ix->n, nref);
    daas_store__pos p = daas_store__index_lower(ix, "", 0);
    uint32_t k = 0;
    size_t seen = 0;
    for (daas_store__ent *e; (e = daas_store__index_at(ix, p)); daas_store__index_next(ix, &p)) {
        while (k < SPACE && !present[k])
            k++;
        char want[32];
        key_of(k, want, sizeof want);
        assert_int_equal(e->key->len, strlen(want));
        assert_memory_equal(e->key->data, want, e->key->len);
        assert_int_equal(daas_store__index_rank(ix, p), seen);
        k++;
        seen++;
    }
    assert_int_equal(seen, nref);
    for (size_t c = 0; c < ix->nch; c++) /* invariant: no empty chunk */
        assert_true(ix->ch[c].n > 0);
}

static void check_probes(const daas_store__index *ix)
{
    for (int t = 0; t < 50; t++) {
        uint32_t i = (uint32_t)(next_rand() % SPACE);
        char key[32];
        key_of(i, key, sizeof key);
        uint64_t h = daas_store__hash(ix, key, strlen(key));
        daas_store__ent *e = daas_store__index_find(ix, key, strlen(key), h);
        assert_int_equal(e != NULL, present[i]);
        daas_store__pos p = daas_store__index_lower(ix, key, strlen(key));
        assert_int_equal(daas_store__index_rank(ix, p), ref_rank(i));
        if (present[i])
            assert_ptr_equal(daas_store__index_at(ix, p), e);
    }
}

static void step(daas_store__index *ix, size_t *nref, bool grow)
{
    uint32_t i = (uint32_t)(next_rand() % SPACE);
    char key[32];
    key_of(i, key, sizeof key);
    size_t klen = strlen(key);
    uint64_t h = daas_store__hash(ix, key, klen);
    daas_store__ent *e = daas_store__index_find(ix, key, klen, h);
    bool insert = grow ? (next_rand() % 4 != 0) : (next_rand() % 4 == 0);
    if (insert && !e) {
        e = daas_store__ent_new(daas_blob_new(key, klen), h);
        daas_store__index_insert(ix, e);
        present[i] = 1;
        (*nref)++;
    } else if (!insert) {
        if (!e) /* shrinking: remove the next key present instead */
            e = daas_store__index_at(ix, daas_store__index_lower(ix, key, klen));
        if (!e)
            return;
        i = (uint32_t)strtoul(e->key->data + strlen("/registry/x/"), NULL, 10);
        daas_store__index_remove(ix, e);
        daas_store__ent_free(&e);
        present[i] = 0;
        (*nref)--;
    }
}

static void test_random_against_model(void **state)
{
    (void)state;
    daas_store__index ix;
    daas_store__index_init(&ix);
    memset(present, 0, sizeof present);
    size_t nref = 0;
    check_all(&ix, 0);
    assert_null(daas_store__index_at(&ix, daas_store__index_lower(&ix, "/a", 2)));
    for (int round = 0; round < 60; round++) {
        bool grow = round < 30; /* up to ~20,000 keys, then drain: splits then merges */
        for (int s = 0; s < 1000; s++)
            step(&ix, &nref, grow);
        check_all(&ix, nref);
        check_probes(&ix);
    }
    assert_true(nref < 2000);
    assert_true(ix.nch <= 1 + nref / 64); /* merges kept the chunks reasonably full */
    print_message("  %zu keys left in %zu chunks\n", nref, ix.nch);
    daas_store__index_fini(&ix);
}

static void test_empty_and_single(void **state)
{
    (void)state;
    daas_store__index ix;
    daas_store__index_init(&ix);
    daas_store__ent *e = daas_store__ent_new(daas_blob_new("/k", 2), daas_store__hash(&ix, "/k", 2));
    daas_store__index_insert(&ix, e);
    assert_ptr_equal(daas_store__index_find(&ix, "/k", 2, e->hash), e);
    daas_store__pos p = daas_store__index_lower(&ix, "/l", 2);
    assert_null(daas_store__index_at(&ix, p));
    assert_int_equal(daas_store__index_rank(&ix, p), 1);
    daas_store__index_remove(&ix, e);
    daas_store__ent_free(&e);
    assert_int_equal(ix.n, 0);
    assert_int_equal(ix.nch, 0);
    assert_null(daas_store__index_find(&ix, "/k", 2, daas_store__hash(&ix, "/k", 2)));
    daas_store__index_fini(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_empty_and_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
