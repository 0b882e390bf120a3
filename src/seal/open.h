/*
 * open.h: "unseal this object for me": the whole client-side path from a sealed Secret (or
 * sensitive ConfigMap) to its plaintext, for an agent opening the Secrets of a pod bound to
 * it and for `daas seal get-secret`.
 *
 * Owns:   daas_seal_opener: the caller's Sui key, its chain connection, the cluster's Seal
 *         configuration, a Seal client (with its key cache) and a session key renewed before
 *         it expires.
 * Flow:   keys for the object's identity already cached → decrypt; otherwise
 *         secret_policy::request_access (one use of the policy, an AccessTicket), the
 *         seal_approve PTB naming that ticket, keys from t of n key servers (each verified),
 *         then decrypt (with the consistency check) in place.
 * Invariants: the object is changed only when every value opened; plaintext never reaches a
 *         log or an error message.
 * Thread: an opener is used by one thread at a time.
 */
#ifndef DAAS_SEAL_OPEN_H
#define DAAS_SEAL_OPEN_H

#include <jansson.h>

#include "common/err.h"
#include "seal/client.h"
#include "seal/config.h"
#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/sui.h"

typedef struct daas_seal_opener daas_seal_opener;

/* key, chain, pkg and cfg are borrowed and must outlive the opener. */
DAAS_MUST_USE int daas_seal_opener_new(const daas_sui_key *key, daas_sui_client *chain,
                                       const daas_pkg *pkg, const daas_seal_config *cfg,
                                       daas_seal_opener **out, daas_err *err);
void daas_seal_opener_free(daas_seal_opener **o);

/* Opens one EncryptedObject of the cluster's package whose identity starts with the id of a
 * DecryptionPolicy (that policy's ticket is requested), appending the plaintext to out.
 * Errors as daas_seal_open_kube. */
DAAS_MUST_USE int daas_seal_open_object(daas_seal_opener *o, const daas_seal_object *so,
                                        daas_buf *out, daas_err *err);

/*
 * Opens obj (a sealed Secret or ConfigMap, as the API serves it) in place.
 * Errors: DAAS_EINVAL (not sealed, sealed for another package or policy than cfg's),
 * DAAS_EFAILED (request_access refused: EUsageLimit, ENotAllowed, EOutsideWindow,
 * EInsufficientStake…), DAAS_EDENIED / DAAS_EUNAVAIL (key servers, see client.h),
 * DAAS_EUNAUTH (a value does not decrypt).
 */
DAAS_MUST_USE int daas_seal_open_kube(daas_seal_opener *o, json_t *obj, daas_err *err);

#endif
