/*
 * pkg_rules.h: the client of the daas package's `cluster_rules` module: finding the shared
 * ClusterRules, reading it into a C value, changing it with the AdminCap (set_rules), and
 * encoding it as the BCS the scheduler's enclave evaluates pods against.
 *
 * Owns:   daas_pkg_rules (a plain value, no heap), the client-side copy of set_rules' checks
 *         (so bad input is refused before anything is sent), tier names.
 * Not:    what the rules mean for a pod (sched/policy.h); transaction building and gas
 *         (ptb.h); GraphQL (gql.h).
 * Invariants:
 *   - a daas_pkg_rules that daas_pkg_rules_check accepts is one set_rules would accept: at
 *     most 64 registries (1..255 bytes, ending in "/") and 64 digests ("sha256:" + 64
 *     lowercase hex), tiers 1..4 or 255;
 *   - objects read from the chain are untrusted: a missing or mistyped field, a value past
 *     those limits or an unknown tier is DAAS_EREMOTE, never a crash or a silent default;
 *   - daas_pkg_rules_bcs is the ClusterRules struct's BCS without its UID, byte for byte.
 * Thread: as the client (gql.h) it is given; the values are plain.
 * Spec:   move/README.md "cluster_rules"; sched/policy.h "ClusterRules" (the same BCS).
 */
#ifndef DAAS_SUI_PKG_RULES_H
#define DAAS_SUI_PKG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/sui.h"

/* SPEC: move/README.md "cluster_rules" (limits and tiers). */
#define DAAS_PKG_RULES_MAX_ENTRIES 64   /* registries, and digests */
#define DAAS_PKG_RULES_REGISTRY_MAX 255 /* bytes of one registry prefix */
#define DAAS_PKG_RULES_DIGEST_LEN 71    /* "sha256:" + 64 hex */
#define DAAS_PKG_RULES_TIER_NOBODY 255

/* The rules, in the field order of the Move struct (the BCS order). */
typedef struct daas_pkg_rules {
    uint64_t version; /* 1 at publish, +1 per set_rules */
    size_t n_registries;
    char registries[DAAS_PKG_RULES_MAX_ENTRIES][DAAS_PKG_RULES_REGISTRY_MAX + 1]; /* "x/" */
    size_t n_digests;
    char digests[DAAS_PKG_RULES_MAX_ENTRIES][DAAS_PKG_RULES_DIGEST_LEN + 1];
    uint8_t nitro_min_tier;        /* least tier for aws.ec2.nitro/nitro_enclaves */
    uint8_t host_path_min_tier;    /* least tier for hostPath volumes */
    uint8_t host_network_min_tier; /* least tier for hostNetwork */
} daas_pkg_rules;

/* Where the shared ClusterRules is. */
typedef struct daas_pkg_rules_ref {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv; /* initial shared version */
} daas_pkg_rules_ref;

/* The rules at publish: version 1, any registry, no digests, nitro from node (3), hostPath
 * and hostNetwork admin (4). */
void daas_pkg_rules_defaults(daas_pkg_rules *out);

/* The checks of set_rules, in its order; DAAS_EINVAL naming the entry and the abort it would
 * cause ("registry 2 \"docker.io\" does not end in \"/\" (EBadRegistry)"). version ignored. */
DAAS_MUST_USE int daas_pkg_rules_check(const daas_pkg_rules *r, daas_err *err);

/* "viewer", "user", "node", "admin" for 1..4, "nobody" for 255, "invalid" otherwise. */
const char *daas_pkg_rules_tier_name(uint8_t tier);
/* A tier by name (above) or number ("1".."4", "255"). DAAS_EINVAL otherwise. */
DAAS_MUST_USE int daas_pkg_rules_tier_parse(const char *s, uint8_t *out, daas_err *err);

/* Finds the one shared <package>::cluster_rules::ClusterRules. DAAS_ENOTFOUND ("no … object:
 * is it the daas package?"), DAAS_EREMOTE (several, not shared), the client's errors. */
DAAS_MUST_USE int daas_pkg_rules_find(daas_sui_client *c, const daas_pkg *pkg,
                                      daas_pkg_rules_ref *out, daas_err *err);

/* Parses an object as the chain returned it (untrusted): shared, its json "id" its own,
 * version, the two lists and the three tiers present, well typed and within the limits.
 * DAAS_EREMOTE naming the field otherwise; *out is written only on success. */
DAAS_MUST_USE int daas_pkg_rules_parse(const daas_sui_object *o, daas_pkg_rules *out,
                                       daas_err *err);

/* Reads the ClusterRules at ref (GraphQL) into *out. DAAS_ENOTFOUND, DAAS_EREMOTE (another
 * type, or daas_pkg_rules_parse's), the client's errors. */
DAAS_MUST_USE int daas_pkg_rules_read(daas_sui_client *c, const daas_pkg *pkg,
                                      const daas_pkg_rules_ref *ref, daas_pkg_rules *out,
                                      daas_err *err);

/* cluster_rules::set_rules(AdminCap of admin_key, ClusterRules at ref, r's lists and tiers)
 * (r->version is ignored: the chain bumps it). Checked first (DAAS_EINVAL, nothing sent);
 * then as pkg.h's transactions: DAAS_ENOTFOUND when admin_key owns no AdminCap,
 * DAAS_EFAILED with the abort's name on a dry-run failure. *result as in pkg.h. */
DAAS_MUST_USE int daas_pkg_rules_set(daas_sui_client *c, const daas_sui_key *admin_key,
                                     const daas_pkg *pkg, const daas_pkg_rules_ref *ref,
                                     const daas_pkg_rules *r, daas_sui_exec_result *result,
                                     daas_err *err);

/* Appends BCS(ClusterRules without UID) = version u64 || allowed_registries vector<String> ||
 * allowed_digests vector<String> || nitro_min_tier u8 || host_path_min_tier u8 ||
 * host_network_min_tier u8, for the enclave. DAAS_EINVAL when r fails daas_pkg_rules_check;
 * DAAS_ETOOBIG past out's cap. */
DAAS_MUST_USE int daas_pkg_rules_bcs(const daas_pkg_rules *r, daas_buf *out, daas_err *err);

/* The abort names of cluster_rules (EBadRegistry, EBadDigest, ETooMany, EBadTier), then
 * daas_pkg_abort_name's for the other modules. NULL when unknown. */
const char *daas_pkg_rules_abort_name(const char *module, uint64_t code);

#endif
