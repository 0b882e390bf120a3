/*
 * podres_int.h: what the files of the pod-resources part share (podres.c: the handle, the
 * per-pod object cache, values and environment; podres_vol.c: volumes and mounts).
 *
 * Owns:   the layout of struct daas_agent_podres and of its cache entries.
 * Invariants: a cached object is the opened one (plaintext): it is wiped before it is freed.
 * Thread: as podres.h (one thread at a time per handle).
 */
#ifndef DAAS_AGENT_PODRES_INT_H
#define DAAS_AGENT_PODRES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "agent/podres.h"
#include "common/alloc.h"

/* One fetched (and, when sealed, opened) Secret or ConfigMap of one pod. */
typedef struct daas_agent_podres__obj {
    char *uid;   /* the pod it was fetched for */
    bool secret; /* a Secret, else a ConfigMap */
    char *name;  /* its name (in the pod's namespace) */
    json_t *obj; /* the object with plaintext values (owned reference) */
    bool sealed; /* it was sealed: its plaintext must stay off disk */
} daas_agent_podres__obj;

struct daas_agent_podres {
    daas_agent_kc *kc;                    /* borrowed */
    daas_seal_opener *opener;             /* borrowed; may be NULL */
    char *data_dir, *node_name, *host_ip; /* copies */
    daas_agent_podres_fetch_fn fetch;     /* test seams, or NULL */
    daas_agent_podres_open_fn open;
    void *ctx;
    daas_agent_podres__obj *objs; /* the cache: nobjs entries of cap */
    size_t nobjs, cap;
};

/* Names the API accepts for objects, volumes and keys: false for anything that could leave
 * a path or a URL (empty, too long, '/', "..", control characters). */
bool daas_agent_podres__name_ok(const char *s, size_t max);

/* The Secret (secret) or ConfigMap ns/name for the pod uid: from the cache, else fetched and
 * opened, then cached. *out is borrowed from the cache (valid until the pod's teardown);
 * *sealed (may be NULL) says whether it was sealed. Errors: DAAS_ENOTFOUND `secret "x" not
 * found` / `configmap "x" not found`, DAAS_EUNAVAIL (sealed and no opener), the opener's. */
DAAS_MUST_USE int daas_agent_podres__get(daas_agent_podres *r, const char *uid, bool secret,
                                         const char *ns, const char *name, const json_t **out,
                                         bool *sealed, daas_err *err);

/* The bytes of key in obj into out (appended): a Secret's data (base64-decoded), a
 * ConfigMap's data (the string) or binaryData (decoded). DAAS_ENOTFOUND (no message) when
 * the key is absent; DAAS_EINVAL when a value is not valid. */
DAAS_MUST_USE int daas_agent_podres__value(const json_t *obj, bool secret, const char *key,
                                           daas_buf *out, daas_err *err);

/* Wipes and releases a buffer that held plaintext. */
void daas_agent_podres__buf_wipe(daas_buf *b);

/* Drops (wiping) the cache entries of pod uid. */
void daas_agent_podres__forget(daas_agent_podres *r, const char *uid);

#endif
