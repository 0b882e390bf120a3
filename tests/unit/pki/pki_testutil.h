/*
 * pki_testutil.h: temporary directories for the pki tests (header-only, static): under
 * $DAAS_TEST_TMP (default /tmp), removed with everything in them.
 */
#ifndef DAAS_TEST_PKI_TESTUTIL_H
#define DAAS_TEST_PKI_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/alloc.h"

/* A new directory "<base>/<prefix>-XXXXXX" (new string). */
static char *pt_tmpdir(const char *prefix)
{
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    char *t = daas_xasprintf("%s/%s-XXXXXX", base, prefix);
    assert_non_null(mkdtemp(t));
    return t;
}

static int pt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* Removes dir and everything in it, frees the string. */
static void pt_rm_tree(char *dir)
{
    nftw(dir, pt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(dir);
}

#endif
