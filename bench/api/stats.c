/*
 * stats.c: latency samples and their percentiles.
 *
 * Owns:   arrays of microsecond samples (one per client thread, merged at the phase's end).
 * Invariants: a sample array is touched by one thread at a time; percentiles sort in place.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common/util.h"

void daas_bench_lat_add(daas_bench_lat *l, int64_t ns)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->us = daas_xrealloc(l->us, l->cap * sizeof *l->us);
    }
    int64_t us = ns / 1000;
    l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)(us < 0 ? 0 : us);
}

void daas_bench_lat_merge(daas_bench_lat *dst, daas_bench_lat *src)
{
    if (src->n > 0) {
        if (dst->n + src->n > dst->cap) {
            dst->cap = dst->n + src->n;
            dst->us = daas_xrealloc(dst->us, dst->cap * sizeof *dst->us);
        }
        memcpy(dst->us + dst->n, src->us, src->n * sizeof *src->us);
        dst->n += src->n;
    }
    daas_bench_lat_fini(src);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

double daas_bench_lat_ms(daas_bench_lat *l, double q)
{
    if (l->n == 0)
        return 0;
    qsort(l->us, l->n, sizeof *l->us, cmp_u32);
    size_t i = (size_t)(q * (double)(l->n - 1) + 0.5);
    return l->us[i < l->n ? i : l->n - 1] / 1000.0;
}

void daas_bench_lat_fini(daas_bench_lat *l)
{
    daas_free(l->us);
    l->us = NULL;
    l->n = l->cap = 0;
}

double daas_bench_secs(int64_t ns)
{
    return (double)ns / 1e9;
}
