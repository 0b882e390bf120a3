/*
 * devnet_fuzz.h: the development chain a devnet fuzz target runs against: opened once in a
 * temporary directory (under $DAAS_TEST_TMP or /tmp), closed and removed at exit.
 *
 * Owns:   the chain and its directory (file-static: include from one fuzz target only).
 * Any failure to set up aborts: a fuzz target has no one to report to.
 */
#ifndef DAAS_TESTS_FUZZ_DEVNET_FUZZ_H
#define DAAS_TESTS_FUZZ_DEVNET_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "devnet/devnet.h"

static daas_devnet *devnet_fuzz_chain;
static char *devnet_fuzz_dir;

static inline int devnet_fuzz_rm_one(const char *path, const struct stat *st, int flag,
                                     struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static inline void devnet_fuzz_close(void)
{
    daas_devnet_close(&devnet_fuzz_chain);
    if (devnet_fuzz_dir != NULL)
        nftw(devnet_fuzz_dir, devnet_fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(devnet_fuzz_dir);
    devnet_fuzz_dir = NULL;
}

/* The chain, opened on first use from genesis seed (NULL: random); who names the target in
 * the message of a failed open. */
static inline daas_devnet *devnet_fuzz_get(const char *who, const uint8_t *seed)
{
    if (devnet_fuzz_chain != NULL)
        return devnet_fuzz_chain;
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    devnet_fuzz_dir = daas_xasprintf("%s/fuzz-devnet-XXXXXX", base);
    if (mkdtemp(devnet_fuzz_dir) == NULL)
        abort();
    daas_devnet_opts o = {.dir = devnet_fuzz_dir, .genesis_seed = seed};
    daas_err err = {0};
    if (daas_devnet_open(&o, &devnet_fuzz_chain, &err) != DAAS_OK) {
        fprintf(stderr, "%s: %s\n", who, err.msg);
        abort();
    }
    atexit(devnet_fuzz_close);
    return devnet_fuzz_chain;
}

#endif
