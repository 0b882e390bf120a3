/*
 * ctrl_int.h: what the framework files of src/ctrl share (not for use outside src/ctrl/).
 *
 * Owns:   daas_ctrl__map, a string-keyed hash map (keys copied and owned, values borrowed
 *         pointers the caller manages); the clock helpers.
 * Invariants: a map is not thread-safe: its owner locks around it.
 */
#ifndef DAAS_CTRL_CTRL_INT_H
#define DAAS_CTRL_CTRL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ctrl/ctrl.h"

typedef struct daas_ctrl__ent {
    char *key;
    void *val;
    struct daas_ctrl__ent *next;
} daas_ctrl__ent;

typedef struct daas_ctrl__map {
    daas_ctrl__ent **b; /* nb buckets (power of two) or NULL while empty */
    size_t nb, n;
} daas_ctrl__map;

/* The value under key, or NULL (also for a key stored with a NULL value: use _has). */
void *daas_ctrl__map_get(const daas_ctrl__map *m, const char *key);
bool daas_ctrl__map_has(const daas_ctrl__map *m, const char *key);
/* Sets key (copied when new) to val; returns the previous value (NULL when new). */
void *daas_ctrl__map_put(daas_ctrl__map *m, const char *key, void *val);
/* Removes key; returns its value (NULL when absent). */
void *daas_ctrl__map_del(daas_ctrl__map *m, const char *key);
/* Calls fn for every entry (no changes to m meanwhile). */
void daas_ctrl__map_each(const daas_ctrl__map *m, void (*fn)(void *arg, const char *key, void *val),
                         void *arg);
/* Frees the entries (calling free_val on each value when not NULL) and zeroes m. */
void daas_ctrl__map_fini(daas_ctrl__map *m, void (*free_val)(void *val));

/* Monotonic milliseconds; a clock fn's value or that. */
int64_t daas_ctrl__mono_ms(void);
int64_t daas_ctrl__clock(daas_ctrl_clock_fn fn, void *arg, bool wall);

#endif
