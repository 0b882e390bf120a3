/*
 * kube.h: sealed Kubernetes objects: Secrets, and ConfigMaps annotated
 * `daas.io/sensitive: "true"`, whose values are stored and served only as Seal
 * EncryptedObjects (ARCHITECTURE.md §3.4).
 *
 * Owns:   the sealed form of an object and the rules that accept one:
 *           - every value of data (and a ConfigMap's binaryData) is base64(EncryptedObject);
 *           - each object is sealed for the cluster: package = the daas package, identity =
 *             policy id (32 bytes) || a 16-byte secret id (the object's uid when the server
 *             seals; random when a client seals before the uid exists), the cluster's key
 *             servers and threshold, AES-256-GCM with AAD "<namespace>/<name>/<key>", so a
 *             value cannot be moved to another key or object;
 *           - annotations seal.daas.io/sealed = "v1", seal.daas.io/policy = 0x<policy id>,
 *             seal.daas.io/sizes = {"<key>": <plaintext bytes>} (names and sizes stay
 *             readable).
 * Invariants:
 *   - daas_seal_kube_seal leaves no plaintext in the object: a value is kept only when it is
 *     a valid EncryptedObject sealed for this cluster and this key, otherwise it is sealed;
 *     a value that IS an EncryptedObject but for another package, policy, key or server set
 *     is refused (DAAS_EINVALID), never wrapped a second time;
 *   - all values of one object share one identity, so one set of derived keys opens them;
 *   - on error the object is unchanged.
 * Spec:   specs/seal.md §2-§4; move/README.md `secret_policy` (the identity prefix rule).
 */
#ifndef DAAS_SEAL_KUBE_H
#define DAAS_SEAL_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "seal/seal.h"

#define DAAS_SEAL_KUBE_MAX_SERVERS 16
#define DAAS_SEAL_KUBE_SECRET_ID_LEN 16
#define DAAS_SEAL_KUBE_ID_LEN (DAAS_SEAL_ADDR_LEN + DAAS_SEAL_KUBE_SECRET_ID_LEN)

#define DAAS_SEAL_KUBE_ANN_SEALED "seal.daas.io/sealed"
#define DAAS_SEAL_KUBE_ANN_POLICY "seal.daas.io/policy"
#define DAAS_SEAL_KUBE_ANN_SIZES "seal.daas.io/sizes"
#define DAAS_SEAL_KUBE_ANN_SENSITIVE "daas.io/sensitive"

/* What a cluster seals for: public values only (nothing here can decrypt). */
typedef struct daas_seal_cluster {
    uint8_t package_id[DAAS_SEAL_ADDR_LEN]; /* the daas package (first version) */
    uint8_t policy_id[DAAS_SEAL_ADDR_LEN];  /* the DecryptionPolicy of workload secrets */
    daas_seal_server servers[DAAS_SEAL_KUBE_MAX_SERVERS];
    size_t nservers;
    uint8_t threshold;
} daas_seal_cluster;

/* True for a Secret, and for a ConfigMap annotated daas.io/sensitive: "true". */
bool daas_seal_kube_applies(const json_t *obj);

/*
 * Seals obj in place (see the rules above). The secret id is the object's uid (a UUID) when
 * it has one, else random. Errors: DAAS_EINVALID "data[KEY]: …" (a foreign EncryptedObject,
 * values sealed under different identities, a value that is not valid base64 in a Secret),
 * DAAS_EINVAL (no name), the seal errors.
 */
DAAS_MUST_USE int daas_seal_kube_seal(const daas_seal_cluster *c, json_t *obj, daas_err *err);

/* True when obj carries the sealed annotation and every value parses as an EncryptedObject. */
bool daas_seal_kube_is_sealed(const json_t *obj);

/* The identity shared by obj's sealed values: package id and inner id (policy || secret id).
 * DAAS_EINVAL when obj is not sealed or its values disagree; DAAS_ENOTFOUND when it has no
 * values. */
DAAS_MUST_USE int daas_seal_kube_identity(const json_t *obj,
                                          uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                                          uint8_t id[DAAS_SEAL_KUBE_ID_LEN], daas_err *err);

/*
 * Opens a sealed obj in place with derived keys for its identity: data values become the
 * plaintext (base64 for a Secret and a ConfigMap's binaryData, the string itself for a
 * ConfigMap's data) and the seal annotations are removed. pks as in daas_seal_decrypt (may be
 * NULL). Each value's AAD must name its own namespace/name/key. On error obj is unchanged.
 */
DAAS_MUST_USE int daas_seal_kube_unseal(json_t *obj, const daas_seal_derived *keys,
                                        size_t nkeys, const daas_seal_server *pks, size_t npks,
                                        daas_err *err);

#endif
