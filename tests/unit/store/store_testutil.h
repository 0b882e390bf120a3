/*
 * store_testutil.h: helpers shared by the store's unit tests (temporary directories, opening
 * a store for a test). Header-only: every test includes it once.
 *
 * Owns:   nothing beyond one test's temp directory.
 */
#ifndef DAAS_TEST_STORE_TESTUTIL_H
#define DAAS_TEST_STORE_TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "store/store.h"

typedef struct st_tmp {
    char dir[512];
    char db[600];
} st_tmp;

/* Creates a fresh directory under $DAAS_TEST_TMP (or /tmp); db = dir/state.db. */
static inline void st_tmp_init(st_tmp *t)
{
    const char *base = getenv("DAAS_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    (void)mkdir(base, 0700); /* ctest's tmp dir may not exist yet */
    snprintf(t->dir, sizeof t->dir, "%s/daas-store-XXXXXX", base);
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(t->db, sizeof t->db, "%s/state.db", t->dir);
}

static inline int st_tmp_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

static inline void st_tmp_fini(st_tmp *t)
{
    (void)nftw(t->dir, st_tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Options for tests: defaults, without background compaction. */
static inline daas_store_opts st_quiet_opts(void)
{
    daas_store_opts o = {0};
    o.compact_interval_s = 0; /* no background compaction in tests */
    return o;
}

/* Opens the test's store with o (NULL: st_quiet_opts()); fails the test when it cannot. */
static inline daas_store *st_open(const st_tmp *t, const daas_store_opts *o)
{
    daas_store *st = NULL;
    daas_err err = {0};
    daas_store_opts d = st_quiet_opts();
    if (daas_store_open_sqlite(t->db, o ? o : &d, &st, &err) != DAAS_OK)
        fail_msg("open: %s", err.msg);
    return st;
}

/* A compare-and-swap incrementer for the concurrency tests: st_cas_worker increments the
 * decimal counter at key n times (read, +1, update at the read revision, again on a conflict);
 * returns (void *)1 on any other failure. */
typedef struct st_cas_arg {
    daas_store *st;
    const char *key;
    int n;
} st_cas_arg;

static inline void *st_cas_worker(void *p)
{
    st_cas_arg *a = p;
    for (int i = 0; i < a->n;) {
        daas_kv kv;
        if (daas_store_get(a->st, a->key, &kv, NULL) != DAAS_OK)
            return (void *)1;
        char val[32];
        snprintf(val, sizeof val, "%ld", strtol(kv.val->data, NULL, 10) + 1);
        int rc = daas_store_update(a->st, a->key, DAAS_BYTES_STR(val), kv.mod_rev, NULL, NULL);
        daas_kv_fini(&kv);
        if (rc == DAAS_OK)
            i++;
        else if (rc != DAAS_ECONFLICT)
            return (void *)1;
    }
    return NULL;
}

#endif
