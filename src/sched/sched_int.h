/*
 * sched_int.h: what the files of src/sched share and nobody else may use.
 *
 * Owns:   the internal records of a state (nodes, pods, owners, interned resource names),
 *         the string map, the bump arena used by decoders and node records, and the format
 *         checks shared by the encoders, the decoders and the state.
 * Invariants:
 *   - resource ids 0, 1, 2 are "cpu", "memory", "pods" in every state;
 *   - a node's ext[] is sorted by rid and holds every rid with allocatable or allocated != 0;
 *   - a pod record points at its node (NULL while no node of that name exists: an orphan);
 *   - n_pods/used_* of a node and pods of an owner are exactly the sums over the pod records.
 * Spec:   sched.h.
 */
#ifndef DAAS_SCHED_SCHED_INT_H
#define DAAS_SCHED_SCHED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/sched.h"

enum { DAAS_SCHED__RID_CPU = 0, DAAS_SCHED__RID_MEM = 1, DAAS_SCHED__RID_PODS = 2 };
#define DAAS_SCHED__RID_NONE UINT32_MAX /* a name no state has interned */

/* node_rec.flags */
enum {
    DAAS_SCHED__READY = 1,         /* Ready */
    DAAS_SCHED__UNSCHEDULABLE = 2, /* cordoned */
    DAAS_SCHED__HARD_TAINTS = 4,   /* has a NoSchedule or NoExecute taint */
};

/* ---- bump arena: memory freed all at once ---- */

typedef struct daas_sched__chunk daas_sched__chunk;

/* Zeroed, 16-byte aligned memory from the arena at *head (NULL: empty arena). */
void *daas_sched__arena_alloc(daas_sched__chunk **head, size_t n);
/* Copies n bytes of s and a NUL into the arena. */
char *daas_sched__arena_str(daas_sched__chunk **head, const char *s, size_t n);
/* Frees every chunk and sets *head to NULL. */
void daas_sched__arena_free(daas_sched__chunk **head);
/* Ends a decode or conversion into *out (size bytes) whose memory is the arena mem: on rc ==
 * DAAS_OK hands mem to *slot (the result's _mem); otherwise frees mem and zeroes *out. Returns
 * rc. */
int daas_sched__arena_finish(int rc, daas_sched__chunk *mem, void *out, size_t size, void **slot);
/* Frees the arena a result holds in *slot and zeroes the result (size bytes at out). */
void daas_sched__arena_release(void **slot, void *out, size_t size);

/* ---- map: byte-string keys (borrowed from the values' records) to uintptr_t ---- */

typedef struct daas_sched__slot {
    uint64_t hash;   /* FNV-1a of the key; 0 marks an empty slot */
    const char *key; /* borrowed: lives in the record the value designates */
    size_t klen;
    uintptr_t val;
} daas_sched__slot;

typedef struct daas_sched__map {
    daas_sched__slot *slots; /* cap entries, linear probing */
    size_t cap;              /* power of two, or 0 */
    size_t n;                /* entries in use */
} daas_sched__map;

void daas_sched__map_fini(daas_sched__map *m);
/* Value of key, or 0 when absent (values are never 0). */
uintptr_t daas_sched__map_get(const daas_sched__map *m, const char *key, size_t klen);
/* Adds key (must be absent) with val != 0. The key bytes must outlive the entry. */
void daas_sched__map_put(daas_sched__map *m, const char *key, size_t klen, uintptr_t val);
/* Removes key if present. */
void daas_sched__map_del(daas_sched__map *m, const char *key, size_t klen);

/* ---- state records ---- */

typedef struct daas_sched__ext {
    uint32_t rid;  /* interned resource name */
    int64_t alloc; /* allocatable (0 when the node lists none) */
    int64_t used;  /* sum over bound pods */
} daas_sched__ext;

typedef struct daas_sched__owner {
    uint8_t addr[32]; /* the owner's Sui address (map key) */
    size_t idx;       /* position in state.owners */
    uint32_t n_nodes; /* present nodes owned */
    uint64_t stake;   /* max stake of its nodes (refreshed lazily) */
    uint64_t pods;    /* pods bound to its present nodes */
    uint64_t share_q; /* stake * 2^32 / S (refreshed lazily) */
    uint64_t stamp;   /* schedule call that computed fair */
    uint32_t fair;    /* fairness score for that call */
} daas_sched__owner;

typedef struct daas_sched__label {
    const char *key;
    size_t klen;
    const char *value;
} daas_sched__label;

typedef struct daas_sched__node {
    /* hot: read for every pod */
    uint8_t flags;     /* DAAS_SCHED__READY | ... */
    uint32_t max_pods; /* allocatable "pods", UINT32_MAX when unlisted */
    uint32_t n_pods;   /* pods bound here */
    int64_t alloc_cpu; /* allocatable milli-cpu */
    int64_t alloc_mem; /* allocatable memory bytes */
    int64_t used_cpu;  /* requested by bound pods */
    int64_t used_mem;
    int64_t used_cpu_nz; /* the same with kube's non-zero defaults (scoring) */
    int64_t used_mem_nz;
    uint64_t inv_cpu; /* (2^64 - 1) / alloc_cpu, 0 when alloc_cpu == 0 */
    uint64_t inv_mem;
    daas_sched__owner *owner;
    uint32_t n_ext;
    daas_sched__ext *ext; /* other resources, sorted by rid (heap) */
    /* cold */
    size_t idx;       /* position in state.nodes */
    const char *name; /* in mem */
    size_t name_len;
    uint64_t stake;
    const daas_sched__label *labels; /* sorted by key, in mem */
    size_t n_labels;
    const daas_sched_taint *taints; /* in mem */
    size_t n_taints;
    daas_sched__chunk *mem; /* the spec's strings and arrays */
} daas_sched__node;

typedef struct daas_sched__preq {
    uint32_t rid;
    int64_t qty;
} daas_sched__preq;

typedef struct daas_sched__pod {
    size_t idx;      /* position in state.pods */
    const char *uid; /* in mem */
    size_t uid_len;
    const char *node_name; /* in mem */
    size_t node_len;
    daas_sched__node *node; /* NULL while orphaned */
    int64_t q_cpu, q_mem;   /* requests */
    int64_t nz_cpu, nz_mem; /* with non-zero defaults */
    uint32_t n_ext;
    daas_sched__preq *ext; /* other requests (rid != cpu/mem), in mem */
    daas_sched__chunk *mem;
} daas_sched__pod;

struct daas_sched_state {
    uint64_t seq;                          /* last applied */
    uint8_t digest[DAAS_SCHED_DIGEST_LEN]; /* d_seq */
    daas_sched__node **nodes;              /* dense, any order */
    size_t n_nodes, cap_nodes;
    daas_sched__map node_map; /* name -> node */
    daas_sched__pod **pods;   /* dense, any order */
    size_t n_pods, cap_pods;
    daas_sched__map pod_map; /* uid -> pod */
    size_t orphans;          /* pods whose node is absent */
    daas_sched__owner **owners;
    size_t n_owners, cap_owners;
    daas_sched__map owner_map; /* addr -> owner */
    uint64_t placed;           /* pods bound to present nodes (P) */
    char **rnames;             /* rid -> name (heap) */
    uint32_t n_rnames;
    daas_sched__map rname_map; /* name -> rid + 1 */
    bool stakes_dirty;         /* owners' stake/share_q need a refresh */
    uint64_t stamp;            /* schedule calls so far */
    int32_t *scores;           /* per node scratch of schedule, -1 infeasible */
    size_t cap_scores;
    daas_buf enc; /* scratch for BCS of deltas */
};

/* ---- format checks (delta.c): DAAS_OK or DAAS_EINVAL with the offending field ---- */

DAAS_MUST_USE int daas_sched__node_check(const daas_sched_node *n, daas_err *err);
DAAS_MUST_USE int daas_sched__binding_check(const daas_sched_binding *b, daas_err *err);
DAAS_MUST_USE int daas_sched__name_check(const char *s, const char *what, daas_err *err);
/* Go's strconv.ParseInt(s, 10, 64). */
bool daas_sched__parse_i64(const char *s, int64_t *out);

/* ---- state.c for algo.c ---- */

/* rid of name, or DAAS_SCHED__RID_NONE. */
uint32_t daas_sched__rid(const daas_sched_state *st, const char *name);
/* Recomputes owners' stake and share_q when a node delta changed them. */
void daas_sched__refresh_stakes(daas_sched_state *st);

/* kube's non-zero request for scoring. */
static inline int64_t daas_sched__nz(int64_t q, int64_t dflt)
{
    return q == 0 ? dflt : q;
}

/* ---- proof.c: shared by the proof parsers (proof.c, admission.c) ---- */

/* s (slen chars) as exactly n bytes of lowercase hex (one spelling per proof) into out. */
bool daas_sched__hex_get(const char *s, size_t slen, uint8_t *out, size_t n);
/* The string member key of o (a json_t *), its length in *len; NULL when absent or not a
 * string. */
const char *daas_sched__member(const void *o, const char *key, size_t *len);

#endif
